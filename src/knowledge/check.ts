import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAbbreviations } from '../text/abbreviations.ts';
import { parseOfficialDomains, isOfficialHost } from '../safety/domains.ts';
import { parseScamSignals } from '../safety/signals.ts';
import { parsePointers } from './pointers.ts';
import { loadCourses } from '../learn/content.ts';
import { fold } from '../text/normalize.ts';
import type { Guide } from './guide.ts';
import { loadGuides, type Problem } from './load.ts';

/**
 * `cli knowledge check`: everything a content editor can get wrong, as `file: problem` lines.
 * Guides (front matter, one-line answer, step list length, sources, dates, ids, related links), FAQ entries (answer,
 * sources, dates, ids, a question already asked in another entry), the courses (learn/content.ts: a course with a
 * problem is not loaded), the abbreviation, official-domain, scam-signal and pointer lists, and the evaluation files (every expected id
 * must exist).
 */
export async function checkKnowledge(knowledgeDir: string): Promise<{ problems: Problem[]; guides: number; courses: number }> {
  const { guides, problems } = await loadGuides(knowledgeDir);

  const domainsFile = join(knowledgeDir, 'official-domains.yaml');
  const domains = await readOptional(domainsFile);
  if (domains !== undefined) {
    const parsed = parseOfficialDomains(domains);
    for (const p of parsed.problems) problems.push({ file: domainsFile, problem: p });
    for (const g of guides) {
      if (g.kind === 'guide' && !g.sources.some((s) => isOfficialHost(hostOf(s), parsed.domains))) {
        problems.push({
          file: g.file,
          problem: 'no official source: at least one source must be on an official domain (official-domains.yaml)',
        });
      }
    }
  }

  problems.push(...duplicateQuestions(guides));

  const abbreviationsFile = join(knowledgeDir, 'abbreviations.yaml');
  const abbreviations = await readOptional(abbreviationsFile);
  if (abbreviations !== undefined) {
    for (const p of parseAbbreviations(abbreviations).problems) problems.push({ file: abbreviationsFile, problem: p });
  }

  for (const [name, parse] of [
    ['scam-signals.yaml', (text: string) => parseScamSignals(text).problems],
    ['pointers.yaml', (text: string) => parsePointers(text).problems],
  ] as const) {
    const file = join(knowledgeDir, name);
    const text = await readOptional(file);
    if (text !== undefined) for (const p of parse(text)) problems.push({ file, problem: p });
  }

  const ids = new Set(guides.map((g) => g.id));
  const learn = await loadCourses(knowledgeDir, ids);
  problems.push(...learn.problems);
  for (const name of ['questions.jsonl', 'holdout.jsonl']) {
    const file = join(knowledgeDir, 'eval', name);
    const text = await readOptional(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const row = JSON.parse(line) as { q?: unknown; expect?: unknown };
        if (typeof row.q !== 'string' || !Array.isArray(row.expect)) throw new Error('needs "q" (text) and "expect" (list)');
        for (const id of row.expect)
          if (!ids.has(String(id))) problems.push({ file: `${file}:${i + 1}`, problem: `expects unknown guide "${id}"` });
      } catch (err) {
        problems.push({ file: `${file}:${i + 1}`, problem: `not a valid line: ${(err as Error).message}` });
      }
    });
  }
  return { problems, guides: guides.length, courses: learn.courses.length };
}

/**
 * The same question (folded: no diacritics, case or punctuation) in two entries, at least one of them an FAQ entry —
 * the later file is named, with the other. (Guides among themselves may share a way of asking.)
 */
function duplicateQuestions(guides: readonly Guide[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, Guide>();
  for (const g of guides) {
    for (const q of new Set(g.questions.map(fold).filter(Boolean))) {
      const other = seen.get(q);
      if (!other) seen.set(q, g);
      else if (other.kind === 'faq' || g.kind === 'faq') {
        const written = g.questions.find((x) => fold(x) === q)!;
        problems.push({ file: g.file, problem: `duplicate question "${written}" (also in ${other.file})` });
      }
    }
  }
  return problems;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
