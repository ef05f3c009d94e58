import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { GuideError, parseGuide, type Guide, type GuideKind } from './guide.ts';

export interface Problem {
  file: string;
  problem: string;
}

export interface LoadedGuides {
  guides: Guide[];
  problems: Problem[];
}

/**
 * Reads every `guides/*.md` and every `faq/**\/*.md` (subfolders allowed, e.g. one per province) under a knowledge
 * folder. Entries with problems are left out of `guides` and reported in `problems`, together with the problems that
 * involve several entries: duplicate ids and `related` links to nowhere.
 */
export async function loadGuides(knowledgeDir: string): Promise<LoadedGuides> {
  const dir = join(knowledgeDir, 'guides');
  const problems: Problem[] = [];
  const files: { path: string; kind: GuideKind }[] = [];
  try {
    for (const n of (await readdir(dir)).filter((n) => n.endsWith('.md')).sort()) files.push({ path: join(dir, n), kind: 'guide' });
  } catch {
    problems.push({ file: dir, problem: 'folder not found' });
  }
  for (const path of await markdownFiles(join(knowledgeDir, 'faq'))) files.push({ path, kind: 'faq' });
  if (!files.length) return { guides: [], problems };

  const guides: Guide[] = [];
  const declared: { id: string; file: string }[] = [];
  const shown = (path: string) => relative(process.cwd(), path) || path;
  for (const { path, kind } of files) {
    try {
      const guide = parseGuide(shown(path), await readFile(path, 'utf8'), basename(path, '.md'), kind);
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
  const known = new Set([...guides.map((g) => g.id), ...files.map((f) => basename(f.path, '.md'))]);
  for (const g of guides) {
    for (const r of g.related) {
      if (!known.has(r)) problems.push({ file: g.file, problem: `related "${r}" is not a guide id` });
      if (r === g.id) problems.push({ file: g.file, problem: 'related links to the guide itself' });
    }
  }
  const bad = new Set(problems.map((p) => p.file));
  return { guides: guides.filter((g) => !bad.has(g.file)), problems };
}

/** Every `.md` file under `dir`, any depth, sorted by path; none when the folder does not exist. */
async function markdownFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await markdownFiles(path)));
    else if (e.isFile() && e.name.endsWith('.md') && e.name !== 'README.md') out.push(path);
  }
  return out;
}
