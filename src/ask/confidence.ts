import type { Candidate } from './retrieve.ts';

/**
 * How sure the assistant is that a candidate guide answers the question, from the evidence retrieval gathered.
 * A logistic model; its weights are fitted, not hand-set (see below).
 */

/**
 * How much of one of the guide's known phrasings the question contains: the best, over the title and the citizen
 * questions, of the share of that phrasing's terms found in the question (FAQ matching). 0–1.
 */
export function phrasing(asked: ReadonlySet<string>, phrasings: readonly ReadonlySet<string>[]): number {
  let best = 0;
  for (const p of phrasings) {
    if (!p.size) continue;
    let inside = 0;
    for (const t of p) if (asked.has(t)) inside++;
    best = Math.max(best, inside / p.size);
  }
  return best;
}

/** The evidence `confidence()` weighs, each scaled to about 0–1. */
export type Evidence = Pick<Candidate, 'coverage' | 'matched' | 'vector' | 'trigram' | 'agreement' | 'known' | 'phrasing'>;

export function confidenceFeatures(c: Evidence): number[] {
  return [c.coverage, Math.min(1, c.matched / 6), c.vector, c.trigram, c.agreement / 3, c.known, c.phrasing];
}

/**
 * Weights of a logistic regression of "answerable" vs "off-topic" over {@link confidenceFeatures}, fitted on
 * knowledge/eval/questions.jsonl with bench/fit-confidence.ts (never on holdout.jsonl). The last one is the bias.
 */
const WEIGHTS = {
  withVector: [0.26, 3.15, -4.76, 7.39, 2.55, 4.03, 11.11, -10.51],
  lexicalOnly: [0.99, 1.99, 0, 8, -0.71, 2.18, 13.4, -8.71],
} as const;

/**
 * How sure we are that a guide answers the question, from its evidence: does the guide match the words that
 * matter (coverage, matched weight), do the paraphrase and typo-tolerant retrievers agree (vector, trigram), do the
 * retrievers rank it first? A probability-like score in 0–1.
 */
export function confidence(c: Evidence, withVector: boolean): number {
  const w = withVector ? WEIGHTS.withVector : WEIGHTS.lexicalOnly;
  const z = confidenceFeatures(c).reduce((s, v, i) => s + v * w[i]!, w[w.length - 1]!);
  return 1 / (1 + Math.exp(-z));
}
