/**
 * Coordinate search for the ranking weights of src/ask/retrieve.ts (DEFAULT_RANKING) on an eval file:
 * maximises hit@1 + 0.5·hit@3 of the fused ranking (before the answer/abstain decision). Tune on questions.jsonl only.
 *   npx tsx bench/tune-ranking.ts knowledge/eval/questions.jsonl
 */
import { createApp } from '../src/app.ts';
import { readEvalFile } from '../src/ask/eval.ts';
import { DEFAULT_RANKING, type RankingWeights } from '../src/ask/retrieve.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

const lines = (await readEvalFile(process.argv[2] ?? 'knowledge/eval/questions.jsonl')).filter((l) => l.expect.length);
const app = await createApp(loadConfig(), createLogger('silent', 'stderr'), { memory: true, progress: () => {} });

async function score(r: RankingWeights): Promise<number> {
  app.retriever.ranking = r;
  let s = 0;
  for (const l of lines) {
    const ids = (await app.retriever.retrieve(l.q)).candidates.slice(0, 3).map((c) => c.guideId);
    if (l.expect.includes(ids[0] ?? '')) s += 1;
    if (ids.some((id) => l.expect.includes(id))) s += 0.5;
  }
  return s / lines.length / 1.5;
}

type Knob = { name: string; get: (r: RankingWeights) => number; set: (r: RankingWeights, v: number) => RankingWeights; values: number[] };
const knobs: Knob[] = [
  { name: 'field.B', get: (r) => r.field.B, set: (r, v) => ({ ...r, field: { ...r.field, B: v } }), values: [0.4, 0.55, 0.7, 0.85, 1] },
  { name: 'field.C', get: (r) => r.field.C, set: (r, v) => ({ ...r, field: { ...r.field, C: v } }), values: [0.2, 0.3, 0.45, 0.6, 0.8] },
  { name: 'bigram', get: (r) => r.bigram, set: (r, v) => ({ ...r, bigram: v }), values: [0, 0.3, 0.6, 1, 1.5] },
  { name: 'rrfK', get: (r) => r.rrfK, set: (r, v) => ({ ...r, rrfK: v }), values: [2, 5, 10, 20, 60] },
  { name: 'list.vector', get: (r) => r.list.vector, set: (r, v) => ({ ...r, list: { ...r.list, vector: v } }), values: [0.3, 0.6, 0.9, 1.2, 1.6] },
  { name: 'list.trigram', get: (r) => r.list.trigram, set: (r, v) => ({ ...r, list: { ...r.list, trigram: v } }), values: [0, 0.25, 0.5, 0.8, 1.2] },
];

let best = DEFAULT_RANKING;
let bestScore = await score(best);
console.log(`start ${bestScore.toFixed(4)} ${JSON.stringify(best)}`);
for (let pass = 1; pass <= 2; pass++) {
  for (const k of knobs) {
    for (const v of k.values) {
      if (v === k.get(best)) continue;
      const candidate = k.set(best, v);
      const s = await score(candidate);
      if (s > bestScore + 1e-9) {
        best = candidate;
        bestScore = s;
        console.log(`pass ${pass} ${k.name}=${v} → ${s.toFixed(4)}`);
      }
    }
  }
}
console.log(`best ${bestScore.toFixed(4)} ${JSON.stringify(best)}`);
await app.close();
