import type { Db } from '../db/index.ts';
import { fieldTerms, INDEX_GENERATION_KEY, type IndexFields } from '../knowledge/index-terms.ts';
import type { Abbreviations } from '../text/abbreviations.ts';
import { analyze } from '../text/analyze.ts';
import { Bm25fIndex, type Bm25fParams } from './bm25f.ts';

/**
 * Field weights and length normalisation, for both kinds of entry: curated guides (a title and many citizen
 * phrasings) and FAQ entries (one official question, or none, and a long answer). Chosen on
 * knowledge/eval/questions.jsonl and the fit half of the portal's FAQ by bench/tune-search.ts; see the README.
 */
export const DEFAULT_BM25F: Bm25fParams = {
  k1: 1.6,
  weight: { title: 3, questions: 3, keywords: 0.8, body: 1 },
  b: { title: 0.3, questions: 0.3, keywords: 0.3, body: 1 },
};

/** What the retriever needs of each entry besides its terms. */
export interface EntryInfo {
  id: string;
  title: string;
  category: string;
  /** The terms of each way the entry is asked (its title, unless derived, and its questions). */
  phrasings: Set<string>[];
}

export interface Snapshot {
  index: Bm25fIndex;
  entries: EntryInfo[];
  byId: Map<string, number>;
  /** Indexed words (no bigrams) with their document frequency, for spelling correction. */
  words: Map<string, number>;
  /** Indexed syllable pairs, for correcting confusions that make real words ("tam chu" → "tam tru"). */
  pairs: Set<string>;
}

/**
 * The in-memory search index of one process, built from the `guides` table — a cache: the database stays the one
 * store. Ingestion bumps a generation number in `meta`; the index checks it at most every `checkEveryMs` and
 * rebuilds when another process (or this one) changed the guides.
 */
export class SearchIndex {
  private snapshot?: Promise<Snapshot>;
  private generation = -1;
  private checkedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly abbreviations: Abbreviations,
    private readonly params: Bm25fParams = DEFAULT_BM25F,
    private readonly checkEveryMs = 2000,
  ) {}

  /** The current index, rebuilt first if the guides changed. */
  async current(): Promise<Snapshot> {
    const now = Date.now();
    if (this.snapshot && now - this.checkedAt < this.checkEveryMs) return this.snapshot;
    this.checkedAt = now;
    const generation = await this.readGeneration();
    if (!this.snapshot || generation !== this.generation) {
      this.generation = generation;
      const building = this.build();
      // A failed build is retried on the next question instead of being cached.
      building.catch(() => {
        if (this.snapshot === building) this.snapshot = undefined;
      });
      this.snapshot = building;
    }
    return this.snapshot;
  }

  private async readGeneration(): Promise<number> {
    const [row] = await this.db.query<{ g: string }>(`select value #>> '{}' as g from meta where key = $1`, [INDEX_GENERATION_KEY]);
    return Number(row?.g ?? 0);
  }

  private async build(): Promise<Snapshot> {
    const rows = await this.db.query<{ id: string; title: string; category: string; fields: IndexFields }>(
      'select id, title, category, fields from guides order by id',
    );
    const docs = rows.map((r) => ({ id: r.id, fields: fieldTerms(normalizeFields(r.fields), this.abbreviations) }));
    const index = Bm25fIndex.build(docs, this.params);
    const entries = rows.map((r) => {
      const f = normalizeFields(r.fields);
      const phrasings = [f.title, ...f.questions].filter(Boolean).map((q) => new Set(analyze(q, this.abbreviations).terms));
      return { id: r.id, title: r.title, category: r.category, phrasings };
    });
    const words = new Map<string, number>();
    const pairs = new Set<string>();
    for (const [t, df] of index.terms()) {
      if (t.includes('_')) pairs.add(t);
      else words.set(t, df);
    }
    return { index, entries, byId: new Map(rows.map((r, i) => [r.id, i])), words, pairs };
  }
}

function normalizeFields(f: Partial<IndexFields> | null): IndexFields {
  return { title: f?.title ?? '', questions: f?.questions ?? [], keywords: f?.keywords ?? [], body: f?.body ?? '' };
}
