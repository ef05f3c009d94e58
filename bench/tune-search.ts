/**
 * Coordinate search for the BM25F parameters (src/ask/search-index.ts DEFAULT_BM25F) and the fusion weights
 * (src/ask/retrieve.ts DEFAULT_FUSION) on what they may be fitted on: knowledge/eval/questions.jsonl and the `fit`
 * half of the portal FAQ. Maximises the mean over both corpora of R@1 + 0.5·R@3. Never reads holdout.jsonl.
 *   npx tsx bench/tune-search.ts [--data FILE]
 */
import { parseArgs } from 'node:util';
import type { App } from '../src/app.ts';
import type { Bm25fParams } from '../src/ask/bm25f.ts';
import { readEvalFile } from '../src/ask/eval.ts';
import { DEFAULT_FUSION, Retriever, type Fusion } from '../src/ask/retrieve.ts';
import { DEFAULT_BM25F, SearchIndex } from '../src/ask/search-index.ts';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { DEFAULT_DATA, entryId, faqApp, half, plain, readFaqRows } from './faq-corpus.ts';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
// Every answer is indexed (the task is the same as bench/faq.ts); only the fit half's questions are asked.
const all = readFaqRows(values.data ?? DEFAULT_DATA);
const faq = await faqApp(all);
const rows = all.filter((r) => half(r.id) === 'fit');
const curated = await createApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), createLogger('silent', 'stderr'), {
  memory: true,
  progress: () => {},
});
const curatedQs = (await readEvalFile('knowledge/eval/questions.jsonl')).filter((l) => l.expect.length);
const faqQs = rows.flatMap((r) => [
  { q: r.q, expect: [entryId(r.id)] },
  { q: plain(r.q), expect: [entryId(r.id)] },
]);

async function score(app: App, qs: { q: string; expect: string[] }[], params: Bm25fParams, fusion: Fusion) {
  const index = new SearchIndex(app.db, app.abbreviations, params);
  const retriever = new Retriever(app.db, { abbreviations: app.abbreviations, embedder: app.embedder, index, fusion });
  let h1 = 0;
  let h3 = 0;
  for (const l of qs) {
    const ids = (await retriever.retrieve(l.q)).candidates.slice(0, 3).map((c) => c.guideId);
    if (l.expect.includes(ids[0] ?? '')) h1++;
    if (ids.some((id) => l.expect.includes(id))) h3++;
  }
  return { h1: h1 / qs.length, h3: h3 / qs.length };
}
async function objective(params: Bm25fParams, fusion: Fusion) {
  const a = await score(curated, curatedQs, params, fusion);
  const b = await score(faq.app, faqQs, params, fusion);
  const value = (a.h1 + 0.5 * a.h3 + b.h1 + 0.5 * b.h3) / 2;
  console.log(
    `${value.toFixed(4)}  curated ${a.h1.toFixed(3)}/${a.h3.toFixed(3)}  ` +
      `faq-fit ${b.h1.toFixed(3)}/${b.h3.toFixed(3)}  ${JSON.stringify({ params, fusion })}`,
  );
  return value;
}

type Setting = { params: Bm25fParams; fusion: Fusion };
const clone = (s: Setting): Setting => JSON.parse(JSON.stringify(s)) as Setting;
const knobs: [string, number[], (s: Setting, v: number) => void][] = [
  ['k1', [0.6, 0.9, 1.2, 1.6], (s, v) => (s.params.k1 = v)],
  ['b.body', [0.7, 0.85, 1], (s, v) => (s.params.b.body = v)],
  ['w.title+questions', [1.5, 2, 3, 5], (s, v) => ((s.params.weight.title = v), (s.params.weight.questions = v))],
  ['w.keywords', [0.8, 1.5, 2.5], (s, v) => (s.params.weight.keywords = v)],
  ['b.title+questions', [0, 0.3, 0.6], (s, v) => ((s.params.b.title = v), (s.params.b.questions = v))],
  ['fusion.vector', [0, 0.1, 0.2, 0.35], (s, v) => (s.fusion.vector = v)],
  ['fusion.trigram', [0, 0.1, 0.2, 0.35], (s, v) => (s.fusion.trigram = v)],
];
let best: Setting = { params: clone({ params: DEFAULT_BM25F, fusion: DEFAULT_FUSION }).params, fusion: { ...DEFAULT_FUSION } };
let bestValue = await objective(best.params, best.fusion);
for (let round = 0; round < 2; round++) {
  for (const [, options, set] of knobs) {
    for (const v of options) {
      const s = clone(best);
      set(s, v);
      const value = await objective(s.params, s.fusion);
      if (value > bestValue + 1e-9) [best, bestValue] = [s, value];
    }
  }
}
console.log('\nbest', bestValue.toFixed(4), JSON.stringify(best));
await faq.cleanup();
await curated.close();
