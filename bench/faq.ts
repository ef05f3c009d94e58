/**
 * Retrieval on a real official FAQ: each answer indexed as an FAQ entry without its question, each question asked
 * as written (`accented`) and without diacritics (`plain`); where does the entry of the same id rank?
 * In the same run, a plain BM25 over folded syllables + bigrams on the same texts, so the comparison is a ratio.
 *
 *   npm run -s bench:faq -- [--data FILE] [--json]
 *
 * Figures are given for all rows and for each half of a fixed split (bench/faq-corpus.ts `half`): `fit` is the half
 * weights may be chosen on, `check` the half nothing was chosen on.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_DATA,
  baselineBm25,
  coverageAt,
  entryId,
  faqApp,
  half,
  percentile,
  plain,
  readFaqRows,
  riskCoverage,
} from './faq-corpus.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, json: { type: 'boolean' }, curve: { type: 'boolean' } } });
const rows = readFaqRows(values.data ?? DEFAULT_DATA);
const { app, cleanup } = await faqApp(rows);
const ingestS = app.ingestSummary.ms / 1000;
if (app.ingestSummary.problems.length)
  console.error(
    `${app.ingestSummary.problems.length} entries skipped, ` +
      `e.g. ${app.ingestSummary.problems[0]!.file}: ${app.ingestSummary.problems[0]!.problem}`,
  );

const baseline = baselineBm25(rows.map((r) => r.answer));
interface Point {
  style: 'accented' | 'plain';
  part: 'fit' | 'check';
  rank: number;
  baseRank: number;
  confidence: number;
  answered: boolean;
  ms: number;
}
const points: Point[] = [];
for (const style of ['accented', 'plain'] as const) {
  for (const [i, r] of rows.entries()) {
    const q = style === 'plain' ? plain(r.q) : r.q;
    const result = await app.asker.ask(q);
    const ids = result.candidates.map((c) => c.guideId);
    const at = ids.indexOf(entryId(r.id));
    const baseAt = baseline(q, 10).indexOf(i);
    points.push({
      style,
      part: half(r.id),
      rank: at < 0 ? Infinity : at + 1,
      baseRank: baseAt < 0 ? Infinity : baseAt + 1,
      confidence: result.confidence,
      answered: result.decision === 'answer',
      ms: result.latencyMs,
    });
  }
}
await cleanup();

const round = (x: number) => Math.round(x * 1000) / 1000;
function figures(ps: Point[]) {
  const n = ps.length || 1;
  const curve = riskCoverage(ps.map((p) => ({ confidence: p.confidence, correct: p.rank === 1 })));
  const answered = ps.filter((p) => p.answered);
  return {
    n: ps.length,
    hit1: round(ps.filter((p) => p.rank === 1).length / n),
    hit3: round(ps.filter((p) => p.rank <= 3).length / n),
    mrr: round(ps.reduce((s, p) => s + (p.rank <= 10 ? 1 / p.rank : 0), 0) / n),
    baseline: {
      hit1: round(ps.filter((p) => p.baseRank === 1).length / n),
      hit3: round(ps.filter((p) => p.baseRank <= 3).length / n),
      mrr: round(ps.reduce((s, p) => s + (p.baseRank <= 10 ? 1 / p.baseRank : 0), 0) / n),
    },
    coverage_at_p90: round(coverageAt(curve, 0.9)),
    abstain_rate: round(1 - answered.length / n),
    answered_precision: round(answered.filter((p) => p.rank === 1).length / (answered.length || 1)),
    curve,
  };
}
const all = figures(points);
const ms = points.map((p) => p.ms);
const report = {
  n: all.n,
  hit1: all.hit1,
  hit3: all.hit3,
  mrr: all.mrr,
  by_style: Object.fromEntries((['accented', 'plain'] as const).map((s) => [s, strip(figures(points.filter((p) => p.style === s)))])),
  by_half: Object.fromEntries((['fit', 'check'] as const).map((h) => [h, strip(figures(points.filter((p) => p.part === h)))])),
  baseline: all.baseline,
  coverage_at_p90: all.coverage_at_p90,
  abstain_rate: all.abstain_rate,
  answered_precision: all.answered_precision,
  ingest_s: round(ingestS),
  p50_ms: round(percentile(ms, 50)),
  p95_ms: round(percentile(ms, 95)),
};
function strip(f: ReturnType<typeof figures>) {
  const { curve: _curve, ...rest } = f;
  return rest;
}

if (values.json) {
  console.log(JSON.stringify(report));
} else {
  const f = (x: number) => x.toFixed(3);
  console.log(
    `${rows.length} FAQ entries, ${points.length} questions; ingested in ${ingestS.toFixed(1)} s; ` +
      `retrieval p50 ${report.p50_ms} ms, p95 ${report.p95_ms} ms\n`,
  );
  console.log(
    '| part | n | R@1 | R@3 | MRR@10 | baseline R@1 | baseline R@3 | baseline MRR | ' +
      'coverage at 0.90 precision | abstains | precision answered |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const line = (name: string, x: Omit<ReturnType<typeof figures>, 'curve'>) =>
    console.log(
      `| ${name} | ${x.n} | ${f(x.hit1)} | ${f(x.hit3)} | ${f(x.mrr)} | ` +
        `${f(x.baseline.hit1)} | ${f(x.baseline.hit3)} | ${f(x.baseline.mrr)} | ` +
        `${f(x.coverage_at_p90)} | ${f(x.abstain_rate)} | ${f(x.answered_precision)} |`,
    );
  line('all', strip(all));
  for (const [k, v] of Object.entries(report.by_style)) line(k, v);
  for (const [k, v] of Object.entries(report.by_half)) line(`${k} half`, v);
  if (values.curve) {
    console.log('\n| answered (coverage) | precision of the top answer | confidence ≥ |\n|---|---|---|');
    for (const c of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
      const p = all.curve[Math.max(0, Math.round(c * all.curve.length) - 1)]!;
      console.log(`| ${f(c)} | ${f(p.precision)} | ${f(p.threshold)} |`);
    }
  }
}
