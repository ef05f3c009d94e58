/**
 * Fits `confidence()` (src/ask/confidence.ts): a logistic regression of "the top entry is right" over the evidence of
 * the top candidate, on knowledge/eval/questions.jsonl (off-topic lines count as wrong) and the `fit` half of the
 * portal FAQ (both styles), each corpus weighing the same. Then, with the fitted weights, prints the risk–coverage
 * curve of each corpus — the fitting data and the data nothing was fitted on (holdout.jsonl, the `check` half) —
 * and the lowest threshold giving ≥ 0.90 precision on questions.jsonl and ≥ 0.85 on the FAQ fit half.
 *   npx tsx bench/fit-confidence.ts [--data FILE]
 */
import { parseArgs } from 'node:util';
import type { App } from '../src/app.ts';
import { createApp } from '../src/app.ts';
import { confidenceFeatures, type Evidence } from '../src/ask/confidence.ts';
import { readEvalFile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { DEFAULT_DATA, coverageAt, entryId, faqApp, half, plain, readFaqRows, riskCoverage } from './faq-corpus.ts';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
interface Point {
  evidence: Evidence;
  correct: boolean;
  /** An off-topic question (nothing should answer it). */
  offTopic: boolean;
}
/** Off-topic questions weigh this much more than answerable ones: answering one is the worst mistake. */
const OFF_TOPIC_WEIGHT = 4;

async function points(app: App, qs: { q: string; expect: string[] }[]): Promise<Point[]> {
  const out: Point[] = [];
  for (const l of qs) {
    const r = await app.asker.ask(l.q);
    if (r.decision === 'refuse') continue;
    const top = r.candidates[0];
    if (!top) {
      out.push({
        evidence: { share: 0, coverage: 0, pairs: 0, margin: 0, known: 0, phrased: 0, phrasing: 0, vector: 0, trigram: 0, agreement: 0 },
        correct: false,
        offTopic: !l.expect.length,
      });
      continue;
    }
    out.push({ evidence: top, correct: l.expect.includes(top.guideId), offTopic: !l.expect.length });
  }
  return out;
}

const faqRows = readFaqRows(values.data ?? DEFAULT_DATA);
const faq = await faqApp(faqRows);
const curated = await createApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), createLogger('silent', 'stderr'), {
  memory: true,
  progress: () => {},
});
const faqQs = (part: 'fit' | 'check') =>
  faqRows
    .filter((r) => half(r.id) === part)
    .flatMap((r) => [
      { q: r.q, expect: [entryId(r.id)] },
      { q: plain(r.q), expect: [entryId(r.id)] },
    ]);
const sets = {
  'questions.jsonl (fit)': await points(curated, await readEvalFile('knowledge/eval/questions.jsonl')),
  'FAQ fit half': await points(faq.app, faqQs('fit')),
  'holdout.jsonl (not fitted)': await points(curated, await readEvalFile('knowledge/eval/holdout.jsonl')),
  'FAQ check half (not fitted)': await points(faq.app, faqQs('check')),
};
await faq.cleanup();
await curated.close();

function fit(data: Point[][], withVector: boolean): number[] {
  const X: number[][] = [];
  const y: number[] = [];
  const weight: number[] = [];
  for (const set of data) {
    for (const p of set) {
      const f = confidenceFeatures(withVector ? p.evidence : { ...p.evidence, vector: 0 });
      X.push([...f, 1]);
      y.push(p.correct ? 1 : 0);
      weight.push((p.offTopic ? OFF_TOPIC_WEIGHT : 1) / set.length);
    }
  }
  let w = new Array(X[0]!.length).fill(0) as number[];
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const l2 = 1e-3;
  for (let it = 0; it < 6000; it++) {
    const g = new Array(w.length).fill(0) as number[];
    X.forEach((x, i) => {
      const p = sigmoid(x.reduce((s, v, j) => s + v * w[j]!, 0));
      x.forEach((v, j) => (g[j]! += weight[i]! * (p - y[i]!) * v));
    });
    w = w.map((wj, j) => wj - 2 * (g[j]! / data.length + (j < w.length - 1 ? l2 * wj : 0)));
  }
  return w.map((v) => Math.round(v * 100) / 100);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const conf = (w: number[], e: Evidence) => sigmoid(confidenceFeatures(e).reduce((s, v, j) => s + v * w[j]!, w[w.length - 1]!));
const wVector = fit([sets['questions.jsonl (fit)'], sets['FAQ fit half']], true);
const wLexical = fit([sets['questions.jsonl (fit)'], sets['FAQ fit half']], false);
console.log(`withVector: [${wVector.join(', ')}],\nlexicalOnly: [${wLexical.join(', ')}],\n`);

const f = (x: number) => x.toFixed(3);
const precisionAt = (ps: Point[], t: number) => {
  const answered = ps.filter((p) => conf(wVector, p.evidence) >= t);
  return { precision: answered.filter((p) => p.correct).length / (answered.length || 1), coverage: answered.length / (ps.length || 1) };
};
let threshold = 1;
for (let t = 0.99; t >= 0.05; t -= 0.01) {
  if (precisionAt(sets['questions.jsonl (fit)'], t).precision >= 0.9 && precisionAt(sets['FAQ fit half'], t).precision >= 0.85)
    threshold = t;
  else break;
}
console.log(
  'lowest threshold with precision ≥ 0.90 on questions.jsonl and ≥ 0.85 on the FAQ fit half ' +
    `(scanning down from 0.99): ${threshold.toFixed(2)}\n`,
);
console.log(
  '| corpus | n | precision at threshold | answered at threshold | coverage at 0.90 precision | R@1 (answer everything) |\n' +
    '|---|---|---|---|---|---|',
);
for (const [name, ps] of Object.entries(sets)) {
  const at = precisionAt(ps, threshold);
  const curve = riskCoverage(ps.map((p) => ({ confidence: conf(wVector, p.evidence), correct: p.correct })));
  console.log(
    `| ${name} | ${ps.length} | ${f(at.precision)} | ${f(at.coverage)} | ` +
      `${f(coverageAt(curve, 0.9))} | ${f(ps.filter((p) => p.correct).length / ps.length)} |`,
  );
}
console.log(
  '\n| threshold | ' +
    Object.keys(sets)
      .map((k) => `${k}: precision / answered`)
      .join(' | ') +
    ' |\n|---|' +
    Object.keys(sets)
      .map(() => '---|')
      .join(''),
);
for (const t of [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]) {
  console.log(
    `| ${t.toFixed(2)} | ${Object.values(sets)
      .map((ps) => {
        const a = precisionAt(ps, t);
        return `${f(a.precision)} / ${f(a.coverage)}`;
      })
      .join(' | ')} |`,
  );
}
console.log('\nrisk–coverage (precision of the top answer when answering the most confident share):\n');
console.log(
  `| answered | ${Object.keys(sets).join(' | ')} |\n|---|${Object.keys(sets)
    .map(() => '---|')
    .join('')}`,
);
const curves = Object.values(sets).map((ps) =>
  riskCoverage(ps.map((p) => ({ confidence: conf(wVector, p.evidence), correct: p.correct }))),
);
for (const c of [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
  console.log(`| ${f(c)} | ${curves.map((cu) => f(cu[Math.max(0, Math.round(c * cu.length) - 1)]!.precision)).join(' | ')} |`);
}
