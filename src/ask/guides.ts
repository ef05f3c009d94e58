import type { Queryable } from '../db/index.ts';

/** A guide as stored by ingestion, ready to render. */
export interface StoredGuide {
  id: string;
  /** `guide` (steps) or `faq` (an official answer shown a page at a time). */
  kind: 'guide' | 'faq';
  title: string;
  sources: string[];
  lastVerified: string;
  answer: string;
  steps: string[];
  notes: string[];
  warnings: string[];
  related: { id: string; title: string }[];
  /** FAQ: the answer as phone screens; guides: []. */
  pages: string[];
}

export async function getGuide(db: Queryable, id: string): Promise<StoredGuide | undefined> {
  const [row] = await db.query<{
    id: string;
    kind: 'guide' | 'faq';
    pages: string[] | null;
    title: string;
    sources: string[];
    last_verified: string;
    answer: string;
    steps: string[];
    notes: string[];
    warnings: string[];
    related: { id: string; title: string }[] | null;
  }>(
    `select g.id, g.kind, g.pages, g.title, g.sources, to_char(g.last_verified, 'YYYY-MM-DD') as last_verified,
            g.answer, g.steps, g.notes, g.warnings,
            (select jsonb_agg(jsonb_build_object('id', r.id, 'title', r.title) order by array_position(g.related, r.id))
               from guides r where r.id = any(g.related)) as related
       from guides g where g.id = $1`,
    [id],
  );
  if (!row) return undefined;
  return {
    id: row.id,
    title: row.title,
    sources: row.sources,
    lastVerified: row.last_verified,
    answer: row.answer,
    steps: row.steps,
    notes: row.notes,
    warnings: row.warnings,
    related: row.related ?? [],
    kind: row.kind === 'faq' ? 'faq' : 'guide',
    pages: row.pages ?? [],
  };
}
