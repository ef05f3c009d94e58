/**
 * Ask latency on this machine: the starter guides, then the same guides plus N synthetic ones (default 2,000).
 * Prints one JSON object per run: guides, chunks, ingest time, p50/p95/max of Asker.ask over the eval questions,
 * and hit@1 on them (so that growth in the index is seen to cost neither speed nor quality).
 *   npm run bench                       # starter + 2,000 synthetic
 *   npx tsx bench/ask-latency.ts 500 5000
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../src/app.ts';
import { percentile, readEvalFile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

const KNOWLEDGE = resolve(import.meta.dirname, '../knowledge');
/** Share of words replaced: high enough that synthetic guides are other topics, not near-copies of real ones. */
const MUTATION = 0.7;
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n >= 0);
const questions = await readEvalFile(join(KNOWLEDGE, 'eval/questions.jsonl'));

/** Deterministic pseudo-random numbers, so every run builds the same synthetic guides. */
function rng(seed: number) {
  return () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Synthetic guides that look like real ones to the index: the words of a real guide, a third of them swapped for
 * words of other guides or made-up syllables, so term frequencies spread like a larger, real collection.
 */
function synthesize(dir: string, n: number): void {
  const real = readdirSync(join(KNOWLEDGE, 'guides')).map((f) => readFileSync(join(KNOWLEDGE, 'guides', f), 'utf8'));
  const pool = real
    .join(' ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1);
  const rand = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const syllables =
    'ba be bi bo bu ca co cu da de di do du ga ge gi go gu ha he hi ho hu la le li lo lu ma me mi mo mu na ne ni no nu'.split(' ');
  const mutate = (line: string) =>
    line.replace(/\p{L}+/gu, (w) => (rand() < MUTATION ? (rand() < 0.5 ? pick(pool) : pick(syllables) + pick(syllables)) : w));
  for (let i = 0; i < n; i++) {
    const template = pick(real);
    const id = `tong-hop-${i}`;
    const body = template
      .replace(/^id: .*$/m, `id: ${id}`)
      .replace(/^related: .*$/m, 'related: []')
      .replace(/^(title: |  - (?!https?:))(.*)$/gm, (_m, p: string, t: string) => p + mutate(t))
      .replace(
        /\n---\n([\s\S]*)$/,
        (_m, rest: string) =>
          `\n---\n${rest
            .split('\n')
            .map((l) => (l.startsWith('#') ? l : mutate(l).slice(0, /^\d+\. /.test(l) ? 190 : undefined)))
            .join('\n')}`,
      );
    writeFileSync(join(dir, 'guides', `${id}.md`), body);
  }
}

async function run(extra: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bd-bench-'));
  cpSync(KNOWLEDGE, dir, { recursive: true });
  synthesize(dir, extra);
  const config = loadConfig({ ...process.env, KNOWLEDGE_DIR: dir, LOG_LEVEL: 'silent' });
  const started = performance.now();
  const app = await createApp(config, createLogger('silent', 'stderr'), { memory: true, progress: () => {} });
  const ingestMs = performance.now() - started;
  for (const q of questions.slice(0, 20)) await app.asker.ask(q.q); // warm-up
  const times: number[] = [];
  let hits = 0;
  let answerable = 0;
  for (const q of questions) {
    const t = performance.now();
    const r = await app.asker.ask(q.q);
    times.push(performance.now() - t);
    if (q.expect.length) {
      answerable++;
      if (r.decision === 'answer' && q.expect.includes(r.candidates[0]?.guideId ?? '')) hits++;
    }
  }
  times.sort((a, b) => a - b);
  const [chunks] = await app.db.query<{ n: string }>('select count(*) as n from chunks');
  const round = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      guides: app.ingestSummary.guides,
      chunks: Number(chunks!.n),
      ingest_s: round(ingestMs / 1000),
      questions: times.length,
      p50_ms: round(percentile(times, 0.5)),
      p95_ms: round(percentile(times, 0.95)),
      max_ms: round(times.at(-1)!),
      hit1: Math.round((hits / answerable) * 1000) / 1000,
    }),
  );
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}

if (process.env.BENCH_KEEP) {
  const d = mkdtempSync(join(tmpdir(), 'bd-keep-'));
  cpSync(KNOWLEDGE, d, { recursive: true });
  synthesize(d, Number(process.env.BENCH_KEEP));
  console.log(d);
} else for (const n of sizes.length ? sizes : [0, 2000]) await run(n);
