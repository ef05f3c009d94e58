import pgvector from 'pgvector';
import type { Db } from '../db/index.ts';
import type { Embedder } from '../embeddings/types.ts';
import type { Abbreviations } from '../text/abbreviations.ts';
import { withoutPersonalNumbers } from '../text/redact.ts';
import { confidence, phrasing } from './confidence.ts';
import { analyze, analyzeSequence, BIGRAM_JOINER } from '../text/analyze.ts';
import { SearchIndex } from './search-index.ts';
import { fold, tokenize } from '../text/normalize.ts';
import { correctPair, correctWord, MAX_CORRECTED_LETTERS } from '../text/spelling.ts';
import { isStopword } from '../text/stopwords.ts';

/** One candidate entry with the evidence each retriever found for it. */
export interface Candidate {
  guideId: string;
  title: string;
  /** The guide's category (`an-toan` for the scam and safety guides). */
  category: string;
  /** The ranking score: BM25F relative to the best entry's, plus what vector and trigram evidence add. */
  fused: number;
  /** BM25F score. */
  lexical: number;
  /** BM25F score relative to what the question could score at most (every term matched, saturated): 0–1. */
  share: number;
  /** Share of the question's word weight (idf) the entry contains, in any field: 0–1. */
  coverage: number;
  /** The entry's lexical lead over the best other entry, as a share of what the question could score at most: > 0
   * only for the lexical first, and small when everything matches weakly. */
  margin: number;
  /** Share of the question's word weight made of words the knowledge base has at all (off-topic questions: low). */
  known: number;
  /** Share of the question's word weight made of words entries are asked with (titles, questions, keywords); where no
   * entry has any (answers alone), the same as `known`. The vocabulary of the domain as citizens say it. */
  phrased: number;
  /** Share of the question's syllable-pair weight (idf) the entry contains: 0–1. */
  pairs: number;
  /** How many of the retrievers (lexical, vector, trigram) rank this entry first. */
  agreement: number;
  /** How much of one of the entry's known phrasings (title, questions) the question contains: 0–1. */
  phrasing: number;
  /** Best cosine similarity of a chunk of the entry to the question: 0–1. */
  vector: number;
  /** Best trigram similarity of the entry's title or questions to the question: 0–1. */
  trigram: number;
  /** How sure the assistant is that this entry answers the question: 0–1. */
  confidence: number;
}

export interface Retrieval {
  candidates: Candidate[];
}

export interface RetrieverOptions {
  abbreviations: Abbreviations;
  embedder?: Embedder;
  /** How many candidates to return. */
  limit?: number;
  fusion?: Fusion;
  /** The BM25F index (one per process); made from the database when not given. */
  index?: SearchIndex;
}

/**
 * How vector and trigram evidence adjust the lexical ranking. The lexical score is divided by the best one, so the
 * adjustment is bounded: an entry ahead by more than `vector + trigram` cannot be overtaken — a clear lexical
 * winner is never demoted, and close calls are decided by the other evidence.
 */
export interface Fusion {
  vector: number;
  trigram: number;
}

/** Chosen by bench/tune-search.ts on questions.jsonl and the FAQ fit half; never on holdout.jsonl or the check half. */
export const DEFAULT_FUSION: Fusion = { vector: 0.1, trigram: 0.1 };

/** How many lexical candidates are considered for fusion and evidence. */
const POOL = 30;
/**
 * A candidate whose {@link confidence} exceeds the fused leader's by more than this goes first: the logistic model
 * weighs evidence the fused score does not (bigram pairs, known phrasings, agreement). Chosen on questions.jsonl and
 * the FAQ fit half (0.2–0.3 best on both; 0.1 hurts the FAQ, 0.4 and up changes nothing): bench/faq.ts.
 */
const RERANK_GAP = 0.3;

/**
 * Hybrid retrieval:
 * 1. lexical — exact BM25F over folded syllables and syllable bigrams, per-field weights and length normalisation
 *    ({@link Bm25fIndex}, in memory, built from the database);
 * 2. vector — pgvector cosine similarity to entry chunks (HNSW), when the extension and an embedder are there;
 * 3. trigram — pg_trgm similarity of the folded question to titles and citizen questions (typos).
 * The lexical ranking is adjusted by bounded amounts of 2 and 3 ({@link Fusion}); {@link confidence} then says how
 * sure we are.
 */
export class Retriever {
  private readonly fusion: Fusion;
  readonly index: SearchIndex;

  constructor(
    private readonly db: Db,
    private readonly options: RetrieverOptions,
  ) {
    this.fusion = options.fusion ?? DEFAULT_FUSION;
    this.index = options.index ?? new SearchIndex(db, options.abbreviations);
  }

  /**
   * The question's folded words with typos corrected against the indexed words (abbreviations and stopwords kept):
   * unknown words first, then confusions that make a real word but an unknown pair ("tam chu" → "tam tru").
   */
  async correct(question: string): Promise<string> {
    const { words, pairs } = await this.index.current();
    const keep = (w: string) => isStopword(w) || this.options.abbreviations.has(w) || w.length > MAX_CORRECTED_LETTERS;
    const out = tokenize(question).map((w) => (keep(w) ? w : (correctWord(w, words) ?? w)));
    for (let i = 0; i + 1 < out.length; i++) {
      if (keep(out[i]!) || keep(out[i + 1]!)) continue;
      const pair = correctPair(out[i]!, out[i + 1]!, pairs);
      if (pair) [out[i], out[i + 1]] = pair;
    }
    return out.join(' ');
  }

  async retrieve(question: string): Promise<Retrieval> {
    // Personal numbers never reach the index or an embeddings endpoint, and they say nothing about the topic.
    const corrected = await this.correct(withoutPersonalNumbers(question.slice(0, 2000)));
    const snapshot = await this.index.current();
    const { index, entries, byId } = snapshot;
    const query = queryTerms(analyzeSequence(corrected, this.options.abbreviations));
    const folded = fold(corrected).slice(0, 500);
    const useVector = this.db.hasVector && !!this.options.embedder && query.size > 0;

    const hits = query.size ? index.search(query, POOL) : [];
    const vector = useVector ? await this.vector(corrected) : new Map<string, number>();
    const pool = [...new Set([...hits.map((h) => entries[h.doc]!.id), ...vector.keys()])];
    const trigram = folded.length >= 3 ? await this.trigram(folded, pool) : new Map<string, number>();

    const lexical = new Map(hits.map((h) => [entries[h.doc]!.id, h.score]));
    for (const id of pool) if (!lexical.has(id) && byId.has(id)) lexical.set(id, index.scoreOf(query, byId.get(id)!));
    const fused = fuse(pool, lexical, vector, trigram, this.fusion);
    const firstOf = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const firsts = [hits[0] ? entries[hits[0].doc]!.id : undefined, firstOf(vector), firstOf(trigram)];

    const unigrams = [...query.keys()].filter((t) => !t.includes(BIGRAM_JOINER));
    const unigramMass = unigrams.reduce((s, t) => s + index.idf(t), 0);
    const maxScore = [...query].reduce((s, [t, w]) => s + w * index.idf(t), 0);
    const massOf = (terms: Iterable<string>) => [...terms].reduce((s, t) => s + index.idf(t), 0);
    const known = unigramMass ? massOf(unigrams.filter((t) => index.df(t) > 0)) / unigramMass : 0;
    const phrased = index.hasPhrasedFields && unigramMass ? massOf(unigrams.filter((t) => index.isPhrased(t))) / unigramMass : known;
    const bigrams = [...query.keys()].filter((t) => t.includes(BIGRAM_JOINER));
    const bigramMass = massOf(bigrams);
    const asked = new Set(analyze(corrected, this.options.abbreviations).terms);

    const ranked = [...fused.entries()].filter(([id]) => byId.has(id)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const top = ranked.slice(0, this.options.limit ?? 5);
    const candidates = top.map(([guideId, score]) => {
      const doc = byId.get(guideId)!;
      const entry = entries[doc]!;
      const lex = lexical.get(guideId) ?? 0;
      const matched = index.matches(unigrams, doc);
      const c = {
        guideId,
        title: entry.title,
        category: entry.category,
        fused: score,
        lexical: lex,
        share: maxScore ? lex / maxScore : 0,
        coverage: unigramMass ? massOf(matched) / unigramMass : 0,
        pairs: bigramMass ? massOf(index.matches(bigrams, doc)) / bigramMass : 0,
        margin: maxScore ? (lex - bestOtherLexical(lexical, guideId)) / maxScore : 0,
        known,
        phrased,
        agreement: firsts.filter((f) => f === guideId).length,
        phrasing: phrasing(asked, entry.phrasings),
        vector: vector.get(guideId) ?? 0,
        trigram: trigram.get(guideId) ?? 0,
      };
      return { ...c, confidence: confidence(c, useVector) };
    });
    // the fused score ranks; a candidate the fitted confidence is far surer of goes first
    const lead = candidates[0];
    const sure = candidates.reduce((best, c) => (c.confidence > best.confidence ? c : best), lead!);
    if (lead && sure !== lead && sure.confidence - lead.confidence > RERANK_GAP) {
      candidates.splice(candidates.indexOf(sure), 1);
      candidates.unshift(sure);
    }
    return { candidates };
  }

  /**
   * Trigram similarity of the question to the titles and citizen questions of the candidate guides (found by the
   * other two retrievers), or of all guides when they found none. Re-scores typos and paraphrases cheaply.
   */
  private async trigram(folded: string, candidates: string[]): Promise<Map<string, number>> {
    const rows = candidates.length
      ? await this.db.query<{ guide_id: string; s: number }>(
          `select guide_id, max(similarity(folded, $1)) as s from chunks
            where guide_id = any($2::text[]) and kind in ('title', 'question')
            group by guide_id having max(similarity(folded, $1)) >= 0.2 order by s desc limit 30`,
          [folded, candidates],
        )
      : await this.db.query<{ guide_id: string; s: number }>(
          `select guide_id, max(similarity(folded, $1)) as s
             from chunks where kind in ('title', 'question') and folded % $1
            group by guide_id order by s desc limit 30`,
          [folded],
        );
    return new Map(rows.map((r) => [r.guide_id, Number(r.s)]));
  }

  private async vector(question: string): Promise<Map<string, number>> {
    const [v] = await this.options.embedder!.embed([question]);
    const rows = await this.db.query<{ guide_id: string; sim: number }>(
      `select guide_id, 1 - (embedding <=> $1::vector) as sim from chunks
        where embedding is not null order by embedding <=> $1::vector limit 60`,
      [pgvector.toSql(v)],
    );
    const best = new Map<string, number>();
    for (const r of rows) if (!best.has(r.guide_id)) best.set(r.guide_id, Math.max(0, Number(r.sim)));
    return best;
  }
}

/**
 * The ranking score of each pooled entry: its BM25F score divided by the best one (so 0–1), plus the fusion weights
 * times its vector and trigram similarities (each 0–1). An entry whose lexical score leads by more than
 * `fusion.vector + fusion.trigram` (relative to the best) stays ahead whatever the other evidence says.
 */
export function fuse(
  pool: readonly string[],
  lexical: ReadonlyMap<string, number>,
  vector: ReadonlyMap<string, number>,
  trigram: ReadonlyMap<string, number>,
  fusion: Fusion,
): Map<string, number> {
  const top = Math.max(0, ...lexical.values());
  return new Map(
    pool.map((id) => [
      id,
      (top ? (lexical.get(id) ?? 0) / top : 0) + fusion.vector * (vector.get(id) ?? 0) + fusion.trigram * (trigram.get(id) ?? 0),
    ]),
  );
}

/** The best lexical score of the entries other than `id`. */
function bestOtherLexical(lexical: ReadonlyMap<string, number>, id: string): number {
  let best = 0;
  for (const [other, score] of lexical) if (other !== id && score > best) best = score;
  return best;
}

/** Query terms weighted by their count in the question, damped (1 + ln tf): a repeated word matters more, not n times. */
function queryTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
  return new Map([...counts].map(([t, n]) => [t, 1 + Math.log(n)]));
}
