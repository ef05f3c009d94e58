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

/** The evidence `confidence()` weighs. */
export type Evidence = Pick<
  Candidate,
  'share' | 'coverage' | 'pairs' | 'margin' | 'known' | 'phrased' | 'phrasing' | 'vector' | 'trigram' | 'agreement'
>;

/**
 * The features of the logistic model, each about 0–1 and relative to the question and the corpus, so that they mean
 * the same on 30 curated guides and on 20,000 FAQ entries: how much of the question's weight the entry matches
 * (saturated score share, idf coverage), how clearly it leads, how much of the question the knowledge base knows at
 * all, whether a known phrasing is contained, and whether the paraphrase and typo retrievers agree.
 */
export function confidenceFeatures(c: Evidence): number[] {
  return [
    c.share,
    c.coverage,
    c.pairs,
    Math.max(0, Math.min(1, c.margin)),
    c.known,
    c.phrased,
    c.phrasing,
    c.vector,
    c.trigram,
    c.agreement / 3,
  ];
}

/**
 * Weights of a logistic regression of "the top entry answers the question" over {@link confidenceFeatures}; the
 * last one is the bias. Fitted by bench/fit-confidence.ts on knowledge/eval/questions.jsonl and the fitting half of
 * the portal FAQ (never on holdout.jsonl nor the checking half); see the README for the risk–coverage curves.
 */
const WEIGHTS = {
  withVector: [1.42, -0.19, 2.89, 2.81, 0.28, 2.31, 2.12, 1.14, 0.51, 1.41, -4.49],
  lexicalOnly: [1.53, -0.14, 3.11, 2.82, 0.34, 2.37, 2.27, 0, 0.68, 1.62, -4.51],
} as const;

/**
 * How sure we are that an entry answers the question, from its evidence. A probability-like score in 0–1: of the
 * questions answered at confidence ≥ x, about the curve's precision at x have the right entry first.
 */
export function confidence(c: Evidence, withVector: boolean): number {
  const w = withVector ? WEIGHTS.withVector : WEIGHTS.lexicalOnly;
  const z = confidenceFeatures(c).reduce((s, v, i) => s + v * w[i]!, w[w.length - 1]!);
  return 1 / (1 + Math.exp(-z));
}
