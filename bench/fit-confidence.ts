/**
 * Fits the weights of `confidence()` (src/ask/retrieve.ts): a logistic regression of "answerable" vs "off-topic"
 * on the evidence printed by bench/confidence-features.ts, answerable and off-topic lines weighted equally.
 * Prints the weights and, for 1–4 off-topic questions let through, the threshold and the share answered.
 *   npx tsx bench/confidence-features.ts knowledge/eval/questions.jsonl > /tmp/f.jsonl && npx tsx bench/fit-confidence.ts /tmp/f.jsonl
 */
import { readFileSync } from 'node:fs';
import { confidenceFeatures } from '../src/ask/confidence.ts';

type Row = { expect: string[]; decision: string; correct: boolean | null } & Parameters<typeof confidenceFeatures>[0];
const rows = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
  .filter((r) => r.decision !== 'refuse');
const X = rows.map((r) => [...confidenceFeatures(r), 1]);
const y = rows.map((r) => (r.expect.length ? 1 : 0));
const pos = y.filter(Boolean).length;
const weight = y.map((v) => (v ? 1 : pos / (y.length - pos)));
let w = new Array(X[0]!.length).fill(0) as number[];
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
for (let it = 0; it < 5000; it++) {
  const g = new Array(w.length).fill(0) as number[];
  X.forEach((x, i) => {
    const p = sigmoid(x.reduce((s, v, j) => s + v * w[j]!, 0));
    x.forEach((v, j) => (g[j]! += weight[i]! * (p - y[i]!) * v));
  });
  w = w.map((wj, j) => wj - (0.5 * g[j]!) / X.length);
}
console.log('weights', w.map((v) => Math.round(v * 100) / 100));
const score = (x: number[]) => sigmoid(x.reduce((s, v, j) => s + v * w[j]!, 0));
const off = X.filter((_, i) => !y[i]).map(score).sort((a, b) => a - b);
const ans = X.filter((_, i) => y[i]).map(score);
for (const allowed of [1, 2, 3, 4]) {
  const thr = off[off.length - allowed - 1]! + 1e-9;
  console.log(`let ${allowed} off-topic through: threshold ${thr.toFixed(3)}, answerable answered ${(ans.filter((s) => s >= thr).length / ans.length).toFixed(3)}`);
}
