import { describe, expect, it } from 'vitest';
import { Bm25fIndex, FIELDS, type Bm25fParams, type IndexedDoc } from '../src/ask/bm25f.ts';
import { fuse } from '../src/ask/retrieve.ts';

const bodyOnly: Bm25fParams = {
  k1: 1.2,
  weight: { title: 0, questions: 0, keywords: 0, body: 1 },
  b: { title: 0, questions: 0, keywords: 0, body: 0.75 },
};
const doc = (id: string, body: string, title = ''): IndexedDoc => ({
  id,
  fields: { body: body.split(' ').filter(Boolean), title: title.split(' ').filter(Boolean) },
});

describe('BM25F on a tiny corpus, computed by hand', () => {
  // N = 3, body lengths 2, 3, 1 → average 2.
  const index = Bm25fIndex.build([doc('d0', 'a b'), doc('d1', 'a c c'), doc('d2', 'b')], bodyOnly);

  it('scores one term as idf · tf~ / (k1 + tf~)', () => {
    // idf(a) = ln(1 + (3 − 2 + 0.5) / (2 + 0.5)) = ln 1.6
    expect(index.idf('a')).toBeCloseTo(Math.log(1.6), 12);
    // d0: tf 1, length 2 = average → tf~ = 1 → 1 / 2.2;  d1: tf~ = 1 / (0.25 + 0.75 · 1.5) = 0.72727…
    const hits = index.search(new Map([['a', 1]]), 10);
    expect(hits.map((h) => h.doc)).toEqual([0, 1]);
    expect(hits[0]!.score).toBeCloseTo(Math.log(1.6) * (1 / 2.2), 6);
    expect(hits[1]!.score).toBeCloseTo(Math.log(1.6) * (1 / 1.375 / (1.2 + 1 / 1.375)), 6);
  });

  it('adds terms, weights them by the query, and ignores unknown ones', () => {
    // c: df 1 → idf ln(1 + 2.5 / 1.5); in d1 tf 2 → tf~ = 2 / 1.375
    const c = Math.log(1 + 2.5 / 1.5) * (2 / 1.375 / (1.2 + 2 / 1.375));
    const q = new Map([
      ['a', 1],
      ['c', 2],
      ['zzz', 5],
    ]);
    expect(index.scoreOf(q, 1)).toBeCloseTo(Math.log(1.6) * (1 / 1.375 / (1.2 + 1 / 1.375)) + 2 * c, 6);
    expect(index.search(q, 1)[0]!.doc).toBe(1);
  });

  it('gives an unknown term the idf of the rarest real one', () => {
    expect(index.idf('zzz')).toBe(index.idf('c'));
  });
});

describe('BM25F fields', () => {
  const params: Bm25fParams = {
    k1: 0.9,
    weight: { title: 3, questions: 3, keywords: 1.5, body: 1 },
    b: { title: 0.3, questions: 0.3, keywords: 0.3, body: 1 },
  };

  it('saturates after summing fields: a word in title and body counts less than twice', () => {
    const index = Bm25fIndex.build([doc('both', 'x y', 'x'), doc('title', 'y z', 'x'), doc('none', 'y z', 'w')], params);
    const q = new Map([['x', 1]]);
    const both = index.scoreOf(q, 0);
    const titleOnly = index.scoreOf(q, 1);
    expect(both).toBeGreaterThan(titleOnly);
    expect(both).toBeLessThan(2 * titleOnly);
  });

  it('normalises the body by its length: the same words in a longer answer weigh less', () => {
    const index = Bm25fIndex.build([doc('short', 'the thuoc'), doc('long', 'the thuoc ' + 'khac '.repeat(40))], params);
    const q = new Map([['thuoc', 1]]);
    expect(index.scoreOf(q, 0)).toBeGreaterThan(index.scoreOf(q, 1));
  });
});

describe('retrieval invariants', () => {
  /** Deterministic corpus: 300 entries over a 60-word vocabulary, Zipf-like, every field used. */
  function corpus(): IndexedDoc[] {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = () => `w${Math.floor(60 * rnd() ** 2)}`;
    return Array.from({ length: 300 }, (_, i) => ({
      id: `e${i}`,
      fields: Object.fromEntries(
        FIELDS.map((f) => [f, Array.from({ length: f === 'body' ? 5 + Math.floor(rnd() * 80) : Math.floor(rnd() * 6) }, word)]),
      ),
    }));
  }
  const index = Bm25fIndex.build(corpus(), {
    k1: 0.9,
    weight: { title: 3, questions: 3, keywords: 1.5, body: 1 },
    b: { title: 0.3, questions: 0.3, keywords: 0.3, body: 1 },
  });
  const queries = [['w1', 'w5'], ['w0'], ['w3', 'w3x', 'w40', 'w59'], ['w2', 'w7', 'w11', 'w13', 'w17']].map(
    (q) => new Map(q.map((t) => [t, 1])),
  );

  it('is exact: the top k equal an exhaustive scoring of every entry, ties in index order', () => {
    for (const q of queries) {
      const exhaustive = Array.from({ length: index.size }, (_, d) => ({ doc: d, score: index.scoreOf(q, d) }))
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score || a.doc - b.doc)
        .slice(0, 20);
      const got = index.search(q, 20);
      expect(got.map((h) => h.doc)).toEqual(exhaustive.map((h) => h.doc));
      got.forEach((h, i) => expect(h.score).toBeCloseTo(exhaustive[i]!.score, 9));
    }
  });

  it('never lowers an entry when a query term is added, and idf falls as document frequency rises', () => {
    const one = new Map([['w4', 1]]);
    const two = new Map([
      ['w4', 1],
      ['w9', 1],
    ]);
    for (let d = 0; d < index.size; d++) expect(index.scoreOf(two, d)).toBeGreaterThanOrEqual(index.scoreOf(one, d));
    const byDf = ['w0', 'w10', 'w30', 'w59'].sort((a, b) => index.df(a) - index.df(b));
    for (let i = 1; i < byDf.length; i++) expect(index.idf(byDf[i]!)).toBeLessThanOrEqual(index.idf(byDf[i - 1]!));
  });

  it('fusion cannot demote a clear lexical winner, and decides close calls by the other evidence', () => {
    const fusion = { vector: 0.15, trigram: 0.15 };
    const lexical = new Map([
      ['clear', 10],
      ['other', 6.9],
    ]);
    const againstWinner = fuse(['clear', 'other'], lexical, new Map([['other', 1]]), new Map([['other', 1]]), fusion);
    expect(againstWinner.get('clear')!).toBeGreaterThan(againstWinner.get('other')!);
    const close = fuse(
      ['a', 'b'],
      new Map([
        ['a', 10],
        ['b', 9.5],
      ]),
      new Map([
        ['b', 0.9],
        ['a', 0.3],
      ]),
      new Map(),
      fusion,
    );
    expect(close.get('b')!).toBeGreaterThan(close.get('a')!);
  });
});
