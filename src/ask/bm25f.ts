/**
 * Field-aware BM25 (BM25F, Robertson & Zaragoza's "simple BM25F"), exact and in memory.
 *
 * Each entry has fields (title, citizen questions, keywords, body). A term's frequency in each field is normalised by
 * that field's length against the field's average length, weighted by the field's weight and summed into one
 * pseudo-frequency, which is then saturated once:
 *
 *     tf~(t, d) = Σ_f  w_f · tf(t, d, f) / (1 − b_f + b_f · len(d, f) / avglen(f))
 *     score(q, d) = Σ_{t ∈ q}  qw(t) · idf(t) · tf~ / (k1 + tf~)
 *     idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))
 *
 * Saturation after the field sum is what makes BM25F better than adding per-field BM25 scores: a word repeated in
 * the title and the body cannot count twice as much as a word found once. Every posting of every query term is
 * scored (no pruning), so the ranking is exact; the impacts `tf~ / (k1 + tf~)` are computed once when the index is
 * built, so a query costs one multiply-add per posting.
 *
 * @example
 * const index = Bm25fIndex.build([{ id: 'a', fields: { title: ['quen', 'mat', 'khau'], body: [] } }], DEFAULT_BM25F);
 * index.search(new Map([['quen', 1]]), 5); // → [{ doc: 0, score: … }]
 */

/** The fields of an entry: its title, the ways citizens ask it, keywords, the body. */
export const FIELDS = ['title', 'questions', 'keywords', 'body'] as const;
export type Field = (typeof FIELDS)[number];

export interface Bm25fParams {
  k1: number;
  /** Weight of a field: how many body occurrences one occurrence there is worth. */
  weight: Record<Field, number>;
  /** Length normalisation of a field: 0 none, 1 full. */
  b: Record<Field, number>;
}

/** One entry to index: its terms per field, in order, repeats kept (term frequency matters). */
export interface IndexedDoc {
  id: string;
  fields: Partial<Record<Field, readonly string[]>>;
}

export interface Hit {
  /** Position of the entry in the array given to {@link Bm25fIndex.build}. */
  doc: number;
  score: number;
}

interface Postings {
  docs: Int32Array;
  /** tf~ / (k1 + tf~) per posting: 0–1. */
  impacts: Float32Array;
}

export class Bm25fIndex {
  private constructor(
    readonly ids: readonly string[],
    private readonly postings: ReadonlyMap<string, Postings>,
    /** Terms that appear in a title, question or keyword field somewhere (the domain vocabulary citizens use). */
    private readonly phrased: ReadonlySet<string>,
    readonly params: Bm25fParams,
  ) {}

  /** Builds the index. Cost: one pass over every term of every entry. */
  static build(docs: readonly IndexedDoc[], params: Bm25fParams): Bm25fIndex {
    const avg = Object.fromEntries(
      FIELDS.map((f) => [f, docs.reduce((s, d) => s + (d.fields[f]?.length ?? 0), 0) / Math.max(1, docs.length) || 1]),
    ) as Record<Field, number>;
    const building = new Map<string, { docs: number[]; impacts: number[] }>();
    const phrased = new Set<string>();
    docs.forEach((doc, i) => {
      const pseudo = new Map<string, number>();
      for (const f of FIELDS) {
        const terms = doc.fields[f];
        if (!terms?.length || params.weight[f] === 0) continue;
        const norm = params.weight[f] / (1 - params.b[f] + (params.b[f] * terms.length) / avg[f]);
        for (const t of terms) {
          pseudo.set(t, (pseudo.get(t) ?? 0) + norm);
          if (f !== 'body') phrased.add(t);
        }
      }
      for (const [t, tf] of pseudo) {
        let p = building.get(t);
        if (!p) building.set(t, (p = { docs: [], impacts: [] }));
        p.docs.push(i);
        p.impacts.push(tf / (params.k1 + tf));
      }
    });
    const postings = new Map<string, Postings>();
    for (const [t, p] of building) postings.set(t, { docs: Int32Array.from(p.docs), impacts: Float32Array.from(p.impacts) });
    return new Bm25fIndex(
      docs.map((d) => d.id),
      postings,
      phrased,
      params,
    );
  }

  get size(): number {
    return this.ids.length;
  }

  /** How many entries contain the term. */
  df(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** Inverse document frequency; a term no entry has gets the idf of a term in one entry (the rarest real one). */
  idf(term: string): number {
    const n = this.size;
    const df = Math.max(1, this.df(term));
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** True when some entry has a title, questions or keywords (curated guides, FAQ entries with their question). */
  get hasPhrasedFields(): boolean {
    return this.phrased.size > 0;
  }

  /** True when some entry's title, questions or keywords use the term. */
  isPhrased(term: string): boolean {
    return this.phrased.has(term);
  }

  /** Every indexed term with its document frequency (for spelling correction). */
  *terms(): Generator<[string, number]> {
    for (const [t, p] of this.postings) yield [t, p.docs.length];
  }

  /**
   * The `limit` best entries for weighted query terms (term → weight), best first; ties keep index order.
   * Exact: every posting of every term is scored.
   */
  search(query: ReadonlyMap<string, number>, limit: number): Hit[] {
    const scores = new Float64Array(this.size);
    const touched: number[] = [];
    for (const [term, weight] of query) {
      const p = this.postings.get(term);
      if (!p) continue;
      const w = weight * this.idf(term);
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i]!;
        if (scores[d] === 0) touched.push(d);
        scores[d] = scores[d]! + w * p.impacts[i]!;
      }
    }
    return topK(touched, scores, limit);
  }

  /** The score of one entry (for explaining a ranking and for tests). */
  scoreOf(query: ReadonlyMap<string, number>, doc: number): number {
    let s = 0;
    for (const [term, weight] of query) {
      const p = this.postings.get(term);
      if (!p) continue;
      const at = binarySearch(p.docs, doc);
      if (at >= 0) s += weight * this.idf(term) * p.impacts[at]!;
    }
    return s;
  }

  /** Which of the query terms the entry contains. */
  matches(terms: Iterable<string>, doc: number): Set<string> {
    const out = new Set<string>();
    for (const t of terms) {
      const p = this.postings.get(t);
      if (p && binarySearch(p.docs, doc) >= 0) out.add(t);
    }
    return out;
  }
}

/** The `k` highest scores among the touched entries, best first (ties: lower index first). */
function topK(touched: number[], scores: Float64Array, k: number): Hit[] {
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  // A small sorted buffer beats sorting every touched entry when k is small and the corpus large.
  const best: number[] = [];
  for (const d of touched) {
    if (best.length === k && !better(d, best[k - 1]!)) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(d);
    while (i > 0 && better(d, best[i - 1]!)) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = d;
  }
  return best.map((doc) => ({ doc, score: scores[doc]! }));
}

function binarySearch(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! === x) return mid;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
