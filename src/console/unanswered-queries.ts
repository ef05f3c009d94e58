import type { Queryable } from '../db/index.ts';
import type { DayRange } from './range.ts';
import type { WorkItem } from './grouping.ts';

/**
 * The SQL of the editors' worklist. Every read filters by `created_at` over the range first, on an index:
 * asks by `asks_abstained_idx (abstained, created_at)`, 👎 by `feedback_created_idx (created_at)` (migration 022),
 * unmet requests by `handoff_unmet_created_idx (created_at)`. Each source is capped at {@link PER_SOURCE} newest rows,
 * so a busy range stays a bounded amount of work (the page says when the cap was reached).
 */

export const PER_SOURCE = 3000;

export type Decision = 'covered' | 'new-guide' | 'out-of-scope';
export const DECISIONS: readonly Decision[] = ['covered', 'new-guide', 'out-of-scope'];

export interface GroupDecision {
  key: string;
  terms: string[];
  decision: Decision;
  guideId: string | null;
  login: string | null;
  decidedAt: Date;
}

/** Abstentions, 👎 and unmet requests in the range (each newest first, at most {@link PER_SOURCE}). */
export async function worklistItems(db: Queryable, range: DayRange): Promise<{ items: WorkItem[]; capped: boolean }> {
  const params = [range.start, range.end, PER_SOURCE];
  const abstained = await db.query<{ question: string; at: Date; top_guide: string | null; confidence: number }>(
    `select question, created_at as at, top_guide, confidence from asks
      where abstained and created_at >= $1 and created_at < $2 order by created_at desc limit $3`,
    params,
  );
  const down = await db.query<{ question: string; at: Date; top_guide: string | null; confidence: number }>(
    `select a.question, f.created_at as at, a.top_guide, a.confidence from feedback f join asks a on a.id = f.ask_id
      where f.created_at >= $1 and f.created_at < $2 and f.value = -1 order by f.created_at desc limit $3`,
    params,
  );
  const unmet = await db.query<{ problem: string; at: Date }>(
    `select problem, created_at as at from handoff_unmet
      where created_at >= $1 and created_at < $2 and problem is not null order by created_at desc limit $3`,
    params,
  );
  const items: WorkItem[] = [
    ...abstained.map((r) => ({
      source: 'abstained' as const,
      text: r.question,
      at: new Date(r.at),
      guideId: r.top_guide,
      confidence: r.confidence,
    })),
    ...down.map((r) => ({ source: 'down' as const, text: r.question, at: new Date(r.at), guideId: r.top_guide, confidence: r.confidence })),
    ...unmet.map((r) => ({ source: 'unmet' as const, text: r.problem, at: new Date(r.at), guideId: null, confidence: null })),
  ];
  return { items, capped: [abstained, down, unmet].some((rows) => rows.length >= PER_SOURCE) };
}

/** Every decision editors made, oldest first (the order decided groups are seeded in). */
export async function groupDecisions(db: Queryable): Promise<GroupDecision[]> {
  const rows = await db.query<{
    group_key: string;
    terms: string[];
    decision: Decision;
    guide_id: string | null;
    login: string | null;
    decided_at: Date;
  }>('select group_key, terms, decision, guide_id, login, decided_at from console_group_decisions order by decided_at, group_key');
  return rows.map((r) => ({
    key: r.group_key,
    terms: r.terms,
    decision: r.decision,
    guideId: r.guide_id,
    login: r.login,
    decidedAt: new Date(r.decided_at),
  }));
}

/** Records (or changes) an editor's decision about a group. */
export async function decideGroup(
  db: Queryable,
  d: { key: string; terms: readonly string[]; decision: Decision; guideId: string | null },
  who: { id: number; login: string },
): Promise<void> {
  await db.query(
    `insert into console_group_decisions (group_key, terms, decision, guide_id, account_id, login) values ($1, $2, $3, $4, $5, $6)
     on conflict (group_key) do update set decision = excluded.decision, guide_id = excluded.guide_id,
       account_id = excluded.account_id, login = excluded.login, decided_at = now()`,
    [d.key, JSON.stringify(d.terms), d.decision, d.guideId, who.id, who.login],
  );
}

/** Takes a decision back: the group returns to the list. */
export async function undoDecision(db: Queryable, key: string): Promise<boolean> {
  return (await db.query('delete from console_group_decisions where group_key = $1 returning group_key', [key])).length > 0;
}

/** Guide ids, titles and categories, for the "covered by" choice and the exported skeleton. */
export async function guideChoices(db: Queryable): Promise<{ id: string; title: string; category: string }[]> {
  return db.query('select id, title, category from guides order by id');
}
