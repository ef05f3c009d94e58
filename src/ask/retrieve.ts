import pgvector from 'pgvector';
import type { Db } from '../db/index.ts';
import type { Embedder } from '../embeddings/types.ts';
import type { Abbreviations } from '../text/abbreviations.ts';
import { withoutPersonalNumbers } from '../safety/redact.ts';
import { confidence, phrasing } from './confidence.ts';
import { analyze, BIGRAM_JOINER } from '../text/analyze.ts';
import { fold, tokenize } from '../text/normalize.ts';
import { correctPair, correctWord } from '../text/spelling.ts';
import { isStopword } from '../text/stopwords.ts';

interface LexicalResult {
  byGuide: Map<string, { score: number; coverage: number; matched: number }>;
  /** Share of the question's word weight (idf) made of words some guide has in its title, questions or keywords. */
  known: number;
}

/** One candidate guide with the evidence each retriever found for it. */
export interface Candidate {
  guideId: string;
  title: string;
  /** The guide's category (`an-toan` for the scam and safety guides). */
  category: string;
  /** Reciprocal-rank-fusion score (ranking only). */
  fused: number;
  /** Share of the question's word weight (idf) the guide matches, title/questions counting most: 0–1. */
  coverage: number;
  /** The matched word weight itself (sum of idf × field weight): long questions match much but cover less. */
  matched: number;
  /** Share of the question's word weight made of words that guide titles, citizen questions or keywords use:
   * the vocabulary of the domain as citizens say it (off-topic questions score low). */
  known: number;
  /** How many of the retrievers (lexical, vector, trigram) rank this guide first. */
  agreement: number;
  /** How much of one of the guide's known phrasings (title, citizen questions) the question contains: 0–1. */
  phrasing: number;
  /** Best cosine similarity of a chunk of the guide to the question: 0–1. */
  vector: number;
  /** Best trigram similarity of the guide's title or citizen questions to the question: 0–1. */
  trigram: number;
  /** How sure the assistant is that this guide answers the question: 0–1. */
  confidence: number;
}

export interface Retrieval {
  candidates: Candidate[];
  /** Which retrievers ran (vector is missing on a PostgreSQL server without pgvector). */
  used: { lexical: boolean; trigram: boolean; vector: boolean };
}

export interface RetrieverOptions {
  abbreviations: Abbreviations;
  embedder?: Embedder;
  /** How many candidates to return. */
  limit?: number;
  ranking?: RankingWeights;
}

export interface RankingWeights {
  /** Score of a matched term by the best field it is in: A title/questions, B keywords, C body. */
  field: { A: number; B: number; C: number };
  /** A matched syllable bigram counts this share of its idf on top of its words. */
  bigram: number;
  /** Reciprocal rank fusion constant: smaller trusts the top ranks more. */
  rrfK: number;
  /** Weight of each ranked list in the fusion. */
  list: { lexical: number; vector: number; trigram: number };
}

/** Chosen by a grid search on knowledge/eval/questions.jsonl (bench/tune-ranking.ts), never on holdout.jsonl. */
export const DEFAULT_RANKING: RankingWeights = {
  field: { A: 1, B: 0.55, C: 0.2 },
  bigram: 0.6,
  rrfK: 2,
  list: { lexical: 1, vector: 0.6, trigram: 0.5 },
};
/**
 * Postings read per query term, best field first (impact order). Rare terms — the ones that decide — have fewer;
 * a term in thousands of guides contributes its best few hundred. Keeps scoring cost flat as guides grow.
 */
const POSTINGS_PER_TERM = 300;

/**
 * Hybrid retrieval over the guide index, all in Postgres:
 * 1. lexical — full-text (tsvector/GIN) match of folded words and bigrams, weighted by field and by inverse
 *    document frequency (BM25's idf), which Postgres' own ts_rank lacks;
 * 2. trigram — pg_trgm similarity of the folded question to guide titles and citizen questions (typos);
 * 3. vector — pgvector cosine similarity to guide chunks (HNSW), when the extension and an embedder are there.
 * The three rankings are fused with reciprocal rank fusion; {@link confidence} then says how sure we are.
 */
export class Retriever {
  /** Public so that bench/tune-ranking.ts can try other weights on a live index. */
  ranking: RankingWeights;

  constructor(
    private readonly db: Db,
    private readonly options: RetrieverOptions,
  ) {
    this.ranking = options.ranking ?? DEFAULT_RANKING;
  }

  private vocab?: Promise<{ words: Map<string, number>; pairs: Set<string> }>;

  /** Words of the guides with their document frequency, and their syllable pairs, for spelling correction. */
  private vocabulary(): Promise<{ words: Map<string, number>; pairs: Set<string> }> {
    this.vocab ??= this.db.query<{ term: string; df: number }>('select term, df from lexicon').then((rows) => {
      const words = new Map<string, number>();
      const pairs = new Set<string>();
      for (const r of rows) {
        if (r.term.includes(BIGRAM_JOINER)) pairs.add(r.term);
        else words.set(r.term, Number(r.df));
      }
      return { words, pairs };
    });
    return this.vocab;
  }

  /** Forget cached words (call after ingestion changed the guides). */
  refresh(): void {
    this.vocab = undefined;
  }

  /**
   * The question's folded words with typos corrected against the guides' words (abbreviations and stopwords kept):
   * unknown words first, then confusions that make a real word but an unknown pair ("tam chu" → "tam tru").
   */
  async correct(question: string): Promise<string> {
    const { words, pairs } = await this.vocabulary();
    const keep = (w: string) => isStopword(w) || this.options.abbreviations.has(w);
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
    const { terms } = analyze(corrected, this.options.abbreviations);
    const folded = fold(corrected).slice(0, 500);
    const useVector = this.db.hasVector && !!this.options.embedder && terms.length > 0;
    const [lex, vector] = await Promise.all([
      terms.length ? this.lexical(terms) : { byGuide: new Map(), known: 0 },
      useVector ? this.vector(corrected) : new Map<string, number>(),
    ]);
    const pool = [...new Set([...lex.byGuide.keys(), ...vector.keys()])];
    const trigram = folded.length >= 3 ? await this.trigram(folded, pool) : new Map<string, number>();

    const lexical = lex.byGuide;
    const fused = new Map<string, number>();
    const addRanks = (scores: Map<string, number>, weight: number) => {
      [...scores.entries()]
        .sort((a, b) => b[1] - a[1])
        .forEach(([id], rank) => fused.set(id, (fused.get(id) ?? 0) + weight / (this.ranking.rrfK + rank + 1)));
    };
    addRanks(new Map([...lexical].map(([id, v]) => [id, v.score])), this.ranking.list.lexical);
    addRanks(trigram, this.ranking.list.trigram);
    addRanks(vector, this.ranking.list.vector);

    const firstOf = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const firsts = [firstOf(new Map([...lexical].map(([id, v]) => [id, v.score]))), firstOf(vector), firstOf(trigram)];
    const known = lex.known;
    const top = [...fused.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.options.limit ?? 5);
    const guides = await this.phrasings(top.map(([id]) => id));
    const asked = new Set(terms);
    const candidates = top.map(([guideId, score]) => {
      const c = {
        guideId,
        title: guides.get(guideId)?.title ?? guideId,
        category: guides.get(guideId)?.category ?? '',
        phrasing: phrasing(asked, guides.get(guideId)?.phrasings ?? []),
        fused: score,
        coverage: lexical.get(guideId)?.coverage ?? 0,
        matched: lexical.get(guideId)?.matched ?? 0,
        known,
        agreement: firsts.filter((f) => f === guideId).length,
        vector: vector.get(guideId) ?? 0,
        trigram: trigram.get(guideId) ?? 0,
      };
      return { ...c, confidence: confidence(c, useVector) };
    });
    return { candidates, used: { lexical: terms.length > 0, trigram: true, vector: useVector } };
  }

  private async lexical(terms: string[]): Promise<LexicalResult> {
    const stats = await this.db.query<{ term: string; df: number; df_ab: number; n: number }>(
      `select t.term, coalesce(l.df, 0)::int as df, coalesce(l.df_ab, 0)::int as df_ab, coalesce((select (value #>> '{}')::int from meta where key = 'guide_count'), 0) as n
         from unnest($1::text[]) as t(term) left join lexicon l on l.term = t.term`,
      [terms],
    );
    const n = stats[0]?.n ?? 0;
    const weights = stats.map(({ term, df, df_ab }) => {
      // Unknown words count as rare ones: a typo should not weigh more than the rarest real word.
      const idf = Math.log(1 + (n - Math.max(df, 1) + 0.5) / (Math.max(df, 1) + 0.5));
      const bigram = term.includes(BIGRAM_JOINER);
      return { term, df, known: df > 0, domain: df_ab > 0, idf, w: bigram ? idf * this.ranking.bigram : idf, bigram };
    });
    // Terms in most guides say nothing about which guide: they are left out of scoring (their idf is near 0 anyway).
    const knownTerms = weights.filter((w) => w.known && (n < 10 || w.df <= n * 0.6));
    const unigramTotal = weights.filter((w) => !w.bigram).reduce((s, w) => s + w.idf, 0);
    const share = (keep: (w: (typeof weights)[number]) => boolean) =>
      unigramTotal ? weights.filter((w) => !w.bigram && keep(w)).reduce((s, w) => s + w.idf, 0) / unigramTotal : 0;
    const known = share((w) => w.domain);
    if (!knownTerms.length || unigramTotal === 0) return { byGuide: new Map(), known };
    const rows = await this.db.query<{ id: string; score: number; unigram_score: number }>(
      `select p.guide_id as id,
              sum(q.w * f.f) as score,
              sum(case when q.bigram then 0 else q.w * f.f end) as unigram_score
         from unnest($1::text[], $2::float8[], $3::boolean[]) as q(term, w, bigram)
         cross join lateral (
           select guide_id, weight from postings where term = q.term order by weight limit ${POSTINGS_PER_TERM}) p
         cross join lateral (select case p.weight when 'A' then $4::float8 when 'B' then $5::float8 else $6::float8 end as f) f
        group by p.guide_id
        order by score desc
        limit 30`,
      [knownTerms.map((w) => w.term), knownTerms.map((w) => w.w), knownTerms.map((w) => w.bigram), this.ranking.field.A, this.ranking.field.B, this.ranking.field.C],
    );
    const byGuide = new Map(
      rows.map((r) => [r.id, { score: Number(r.score), coverage: Number(r.unigram_score) / unigramTotal, matched: Number(r.unigram_score) }]),
    );
    return { byGuide, known };
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

  /** Titles of the candidates, and the terms of each way citizens ask them (title and `questions`). */
  private async phrasings(ids: string[]): Promise<Map<string, { title: string; category: string; phrasings: Set<string>[] }>> {
    if (!ids.length) return new Map();
    const rows = await this.db.query<{ id: string; title: string; category: string; questions: string[] }>(
      'select id, title, category, questions from guides where id = any($1::text[])',
      [ids],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        { title: r.title, category: r.category, phrasings: [r.title, ...r.questions].map((q) => new Set(analyze(q, this.options.abbreviations).terms)) },
      ]),
    );
  }
}
