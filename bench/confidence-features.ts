/**
 * Prints, for each line of an eval file, the evidence the retriever found for its top candidate (JSON lines).
 * Used to choose the weights of `confidence()` in src/ask/retrieve.ts on questions.jsonl — never on holdout.jsonl.
 *   npx tsx bench/confidence-features.ts knowledge/eval/questions.jsonl > /tmp/features.jsonl
 */
import { createApp } from '../src/app.ts';
import { readEvalFile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

const file = process.argv[2] ?? 'knowledge/eval/questions.jsonl';
// With DATABASE_URL set to a server without pgvector, this measures the lexical-only mode.
const app = await createApp(loadConfig(), createLogger('warn', 'stderr'), { memory: !process.env.DATABASE_URL, progress: () => {} });
for (const line of await readEvalFile(file)) {
  const r = await app.asker.ask(line.q);
  const [top, second] = r.candidates;
  console.log(JSON.stringify({
    q: line.q, style: line.style, expect: line.expect, decision: r.decision,
    top: top?.guideId, correct: line.expect.length ? line.expect.includes(top?.guideId ?? '') : null,
    coverage: top?.coverage ?? 0, matched: top?.matched ?? 0, vector: top?.vector ?? 0, trigram: top?.trigram ?? 0,
    known: top?.known ?? 0, phrasing: top?.phrasing ?? 0, agreement: top?.agreement ?? 0, margin: (top?.fused ?? 0) - (second?.fused ?? 0), confidence: r.confidence,
  }));
}
await app.close();
