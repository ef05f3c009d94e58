import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { GuideError, parseGuide, type Guide } from './guide.ts';

export interface Problem {
  file: string;
  problem: string;
}

export interface LoadedGuides {
  guides: Guide[];
  problems: Problem[];
}

/**
 * Reads every `guides/*.md` under a knowledge folder. Guides with problems are left out of `guides` and reported in
 * `problems`, together with the problems that involve several guides: duplicate ids and `related` links to nowhere.
 */
export async function loadGuides(knowledgeDir: string): Promise<LoadedGuides> {
  const dir = join(knowledgeDir, 'guides');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  } catch {
    return { guides: [], problems: [{ file: dir, problem: 'folder not found' }] };
  }
  const problems: Problem[] = [];
  const guides: Guide[] = [];
  const declared: { id: string; file: string }[] = [];
  const shown = (path: string) => relative(process.cwd(), path) || path;
  for (const name of names) {
    const path = join(dir, name);
    try {
      const guide = parseGuide(shown(path), await readFile(path, 'utf8'), basename(name, '.md'));
      guides.push(guide);
      declared.push({ id: guide.id, file: guide.file });
    } catch (err) {
      if (err instanceof GuideError && err.id) declared.push({ id: err.id, file: shown(path) });
      const list = err instanceof GuideError ? err.problems : [(err as Error).message];
      for (const problem of list) problems.push({ file: shown(path), problem });
    }
  }
  const seen = new Map<string, string>();
  for (const d of declared) {
    const other = seen.get(d.id.toLowerCase());
    if (other) problems.push({ file: d.file, problem: `duplicate id "${d.id}" (also in ${other})` });
    else seen.set(d.id.toLowerCase(), d.file);
  }
  const known = new Set([...guides.map((g) => g.id), ...names.map((n) => basename(n, '.md'))]);
  for (const g of guides) {
    for (const r of g.related) {
      if (!known.has(r)) problems.push({ file: g.file, problem: `related "${r}" is not a guide id` });
      if (r === g.id) problems.push({ file: g.file, problem: 'related links to the guide itself' });
    }
  }
  const bad = new Set(problems.map((p) => p.file));
  return { guides: guides.filter((g) => !bad.has(g.file)), problems };
}
