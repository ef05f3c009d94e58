/**
 * The portal FAQ as a benchmark corpus (shared by bench/faq.ts, bench/fit-confidence.ts and bench/faq-growth.ts).
 *
 * Reads JSONL lines `{id, q, answer, link, ministry, audience}` (../shared/eval/dvc-faq-dev.jsonl by default — it is
 * evaluation data and stays there), writes each answer as an FAQ entry **without its question** into a temporary
 * knowledge folder, and builds an app on a throw-away database over it.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { fold, tokenize } from '../src/text/normalize.ts';

export const DEFAULT_DATA = resolve(import.meta.dirname, '../../shared/eval/dvc-faq-dev.jsonl');
const KNOWLEDGE = resolve(import.meta.dirname, '../knowledge');

export interface FaqRow {
  id: string;
  q: string;
  answer: string;
  link: string;
  ministry?: string;
  audience?: string;
}

/** The rows of a JSONL file; exits with a clear message when the file is missing or a line is malformed. */
export function readFaqRows(file: string): FaqRow[] {
  if (!existsSync(file)) {
    console.error(
      `${file}: not found. Pass --data FILE (JSONL lines {id, q, answer, link, ministry, audience}); the dev set lives in ../shared/eval/.`,
    );
    process.exit(2);
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as Partial<FaqRow>;
      if (typeof row.id !== 'string' || typeof row.q !== 'string' || typeof row.answer !== 'string') {
        console.error(`${file}:${i + 1}: needs "id", "q" and "answer" (texts)`);
        process.exit(2);
      }
      return {
        id: row.id,
        q: row.q,
        answer: row.answer,
        link: row.link || 'https://dichvucong.gov.vn',
        ministry: row.ministry,
        audience: row.audience,
      };
    });
}

/**
 * Which half a row belongs to: `fit` (weights may be chosen on it) or `check` (never used to choose anything).
 * A hash of the id, so the split is the same on every run and for any file.
 */
export function half(id: string): 'fit' | 'check' {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % 2 === 0 ? 'fit' : 'check';
}

/** A file-name-safe entry id for a row id. */
export const entryId = (rowId: string) => `faq-${fold(rowId).replace(/\s+/g, '-') || 'x'}`;

/** Writes the answers as FAQ entries (no question, no title: the title is derived from the answer). */
export function writeEntries(rows: readonly FaqRow[], dir: string): void {
  mkdirSync(join(dir, 'faq'), { recursive: true });
  mkdirSync(join(dir, 'guides'), { recursive: true });
  for (const name of ['abbreviations.yaml', 'official-domains.yaml', 'scam-signals.yaml', 'pointers.yaml'])
    copyFileSync(join(KNOWLEDGE, name), join(dir, name));
  const seen = new Set<string>();
  for (const r of rows) {
    const id = entryId(r.id);
    if (seen.has(id)) continue;
    seen.add(id);
    const front = [
      '---',
      'kind: faq',
      `id: ${id}`,
      `sources: [${JSON.stringify(r.link)}]`,
      'last_verified: 2025-05-10',
      ...(r.ministry ? [`ministry: ${JSON.stringify(r.ministry)}`] : []),
      '---',
    ];
    writeFileSync(join(dir, 'faq', `${id}.md`), `${front.join('\n')}\n${r.answer.trim()}\n`);
  }
}

/** The app over the rows' answers on a throw-away database; `cleanup` removes the temporary folder. */
export async function faqApp(
  rows: readonly FaqRow[],
  env: Record<string, string> = {},
): Promise<{ app: App; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bd-faq-'));
  writeEntries(rows, dir);
  const config = loadConfig({ ...process.env, KNOWLEDGE_DIR: dir, LOG_LEVEL: 'silent', ...env });
  const app = await createApp(config, createLogger('silent', 'stderr'), { memory: true, progress: () => {} });
  return {
    app,
    cleanup: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The baseline the issue names: textbook BM25 (k1 1.5, b 0.75) over folded syllables plus syllable bigrams, no
 * stopwords, no abbreviations, no typo correction, no fields. Returns a search function (query → ranked row indexes).
 */
export function baselineBm25(texts: readonly string[], k1 = 1.5, b = 0.75): (query: string, k: number) => number[] {
  const terms = (t: string) => {
    const w = tokenize(t);
    return [...w, ...w.slice(1).map((x, i) => `${w[i]}_${x}`)];
  };
  const docs = texts.map((t) => {
    const m = new Map<string, number>();
    const ts = terms(t);
    for (const x of ts) m.set(x, (m.get(x) ?? 0) + 1);
    return { tf: m, len: ts.length };
  });
  const avg = docs.reduce((s, d) => s + d.len, 0) / Math.max(1, docs.length);
  const postings = new Map<string, number[]>();
  docs.forEach((d, i) => {
    for (const t of d.tf.keys()) {
      let p = postings.get(t);
      if (!p) postings.set(t, (p = []));
      p.push(i);
    }
  });
  const n = docs.length;
  return (query, k) => {
    const scores = new Map<number, number>();
    for (const t of new Set(terms(query))) {
      const p = postings.get(t);
      if (!p) continue;
      const idf = Math.log(1 + (n - p.length + 0.5) / (p.length + 0.5));
      for (const i of p) {
        const f = docs[i]!.tf.get(t)!;
        scores.set(i, (scores.get(i) ?? 0) + (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * docs[i]!.len) / avg)));
      }
    }
    return [...scores]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, k)
      .map(([i]) => i);
  };
}

/** The question without diacritics, as many citizens type it (punctuation kept, case kept). */
export function plain(q: string): string {
  return q
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Risk–coverage: answered questions sorted by confidence, best first; for each share answered, the precision of
 * the top answer among them. `correct[i]` says whether question i's top entry is right.
 */
export function riskCoverage(
  points: readonly { confidence: number; correct: boolean }[],
): { threshold: number; coverage: number; precision: number }[] {
  const sorted = [...points].sort((a, b) => b.confidence - a.confidence);
  let right = 0;
  return sorted.map((p, i) => {
    if (p.correct) right++;
    return { threshold: p.confidence, coverage: (i + 1) / sorted.length, precision: right / (i + 1) };
  });
}

/** The largest share of questions that can be answered with a precision of at least `p`. */
export function coverageAt(curve: ReturnType<typeof riskCoverage>, p: number): number {
  let best = 0;
  for (const c of curve) if (c.precision >= p) best = c.coverage;
  return best;
}
