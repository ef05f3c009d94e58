import type { Queryable } from '../db/index.ts';
import { localDay } from '../time/vietnam.ts';
import type { DayRange } from './range.ts';

/**
 * The SQL of the guides page. Reads filter by `created_at` first, on an index: answered asks by
 * `asks_abstained_idx (abstained, created_at)`, votes by `feedback_created_idx (created_at)` (migration 022) joined to
 * their ask by primary key; the suggestions by status (a handful waiting at any time).
 */

const DAY_MS = 86_400_000;

export interface GuideRow {
  id: string;
  title: string;
  kind: string;
  category: string;
  /** YYYY-MM-DD */
  lastVerified: string;
  /** Days since last_verified (at `now`). */
  ageDays: number;
  asks: number;
  up: number;
  down: number;
  /** 👎 share and votes over the last 30 days and the 30 before. */
  recent: { down: number; votes: number };
  before: { down: number; votes: number };
  /** The questions of the last 3 answers from this guide marked 👎 in the range, redacted as stored. */
  downQuestions: string[];
}

const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** Every guide with its figures over the range, and its 👎 trend over the last 60 days. */
export async function guideFigures(db: Queryable, range: DayRange, now: Date): Promise<GuideRow[]> {
  const guides = await db.query<{ id: string; title: string; kind: string; category: string; last_verified: Date | string }>(
    'select id, title, kind, category, last_verified from guides order by id',
  );
  const asks = await db.query<{ guide: string; n: number }>(
    `select top_guide as guide, count(*)::int as n from asks
      where not abstained and created_at >= $1 and created_at < $2 and top_guide is not null group by top_guide`,
    [range.start, range.end],
  );
  const votes = await db.query<{ guide: string; up: number; down: number }>(
    `select a.top_guide as guide, count(*) filter (where f.value = 1)::int as up, count(*) filter (where f.value = -1)::int as down
       from feedback f join asks a on a.id = f.ask_id
      where f.created_at >= $1 and f.created_at < $2 and a.top_guide is not null group by a.top_guide`,
    [range.start, range.end],
  );
  const split = new Date(now.getTime() - 30 * DAY_MS);
  const trend = await db.query<{ guide: string; recent_down: number; recent: number; before_down: number; before: number }>(
    `select a.top_guide as guide,
            count(*) filter (where f.created_at >= $2 and f.value = -1)::int as recent_down,
            count(*) filter (where f.created_at >= $2)::int as recent,
            count(*) filter (where f.created_at < $2 and f.value = -1)::int as before_down,
            count(*) filter (where f.created_at < $2)::int as before
       from feedback f join asks a on a.id = f.ask_id
      where f.created_at >= $1 and f.created_at < $3 and a.top_guide is not null group by a.top_guide`,
    [new Date(now.getTime() - 60 * DAY_MS), split, now],
  );
  const downs = await db.query<{ guide: string; question: string }>(
    `select guide, question from (
       select a.top_guide as guide, a.question,
              row_number() over (partition by a.top_guide order by f.created_at desc, f.id desc) as rn
         from feedback f join asks a on a.id = f.ask_id
        where f.created_at >= $1 and f.created_at < $2 and f.value = -1 and a.top_guide is not null
     ) d where rn <= 3 order by guide, rn`,
    [range.start, range.end],
  );
  const askCount = new Map(asks.map((r) => [r.guide, r.n]));
  const voteCount = new Map(votes.map((r) => [r.guide, r]));
  const trendOf = new Map(trend.map((r) => [r.guide, r]));
  const downOf = new Map<string, string[]>();
  for (const r of downs) downOf.set(r.guide, [...(downOf.get(r.guide) ?? []), r.question]);
  const today = Date.parse(localDay(now));
  return guides.map((g) => {
    const v = voteCount.get(g.id);
    const t = trendOf.get(g.id);
    const lastVerified = day(g.last_verified);
    return {
      id: g.id,
      title: g.title,
      kind: g.kind,
      category: g.category,
      lastVerified,
      ageDays: Math.floor((today - Date.parse(lastVerified)) / DAY_MS),
      asks: askCount.get(g.id) ?? 0,
      up: v?.up ?? 0,
      down: v?.down ?? 0,
      recent: { down: t?.recent_down ?? 0, votes: t?.recent ?? 0 },
      before: { down: t?.before_down ?? 0, votes: t?.before ?? 0 },
      downQuestions: downOf.get(g.id) ?? [],
    };
  });
}

export interface Suggestion {
  id: number;
  question: string;
  answer: string;
  volunteer: string | null;
  createdAt: Date;
}

/** Answers volunteers saved with /luu that no editor reviewed yet, oldest first (at most 200). */
export async function waitingSuggestions(db: Queryable): Promise<Suggestion[]> {
  const rows = await db.query<{ id: number; question: string; answer: string; volunteer: string | null; created_at: Date }>(
    `select s.id::int as id, s.question, s.answer, v.name as volunteer, s.created_at
       from guide_suggestions s left join volunteers v on v.id = s.volunteer_id
      where s.status = 'new' order by s.id limit 200`,
  );
  return rows.map((r) => ({ id: r.id, question: r.question, answer: r.answer, volunteer: r.volunteer, createdAt: new Date(r.created_at) }));
}

/** Marks a saved answer reviewed (status `done`, and who did it). False when it was not waiting. */
export async function reviewSuggestion(db: Queryable, id: number, who: { id: number; login: string }): Promise<boolean> {
  const rows = await db.query(
    `with done as (update guide_suggestions set status = 'done' where id = $1 and status = 'new' returning id)
     insert into console_suggestion_reviews (suggestion_id, account_id, login) select id, $2, $3 from done
     on conflict (suggestion_id) do update set account_id = excluded.account_id, login = excluded.login, reviewed_at = now()
     returning suggestion_id`,
    [id, who.id, who.login],
  );
  return rows.length > 0;
}
