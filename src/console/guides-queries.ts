import type { Queryable } from '../db/index.ts';
import { localDay } from '../time/vietnam.ts';
import { addDays, rangeOf, type DayRange } from './range.ts';
import { rolledCounts, splitRange } from './rolled.ts';

/**
 * The SQL of the guides page. Asks and votes per guide come from the daily rollup for the days it has rolled
 * (rollup.ts) and live for the rest. Live reads filter by `created_at` first, on an index: answered asks by
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

/** Answers per guide over a range, read live. */
export async function guideAsks(db: Queryable, range: DayRange): Promise<{ guide: string; n: number }[]> {
  return db.query<{ guide: string; n: number }>(
    `select top_guide as guide, count(*)::int as n from asks
      where not abstained and created_at >= $1 and created_at < $2 and top_guide is not null group by top_guide`,
    [range.start, range.end],
  );
}

/** 👍 and 👎 per guide over a range (by when the vote was cast), read live. */
export async function guideVotes(db: Queryable, range: DayRange): Promise<{ guide: string; up: number; down: number }[]> {
  return db.query<{ guide: string; up: number; down: number }>(
    `select a.top_guide as guide, count(*) filter (where f.value = 1)::int as up, count(*) filter (where f.value = -1)::int as down
       from feedback f join asks a on a.id = f.ask_id
      where f.created_at >= $1 and f.created_at < $2 and a.top_guide is not null group by a.top_guide`,
    [range.start, range.end],
  );
}

/** Answers per guide: the rolled days from the rollup, the rest live. */
async function asksOver(db: Queryable, range: DayRange): Promise<Map<string, number>> {
  const { rolled, live } = await splitRange(db, range);
  const by = new Map<string, number>();
  for (const c of await rolledCounts(db, rolled, ['guide_asks'])) by.set(c.key, (by.get(c.key) ?? 0) + c.n);
  for (const r of live ? await guideAsks(db, live) : []) by.set(r.guide, (by.get(r.guide) ?? 0) + r.n);
  return by;
}

/** Votes per guide: the rolled days from the rollup, the rest live. */
async function votesOver(db: Queryable, range: DayRange): Promise<Map<string, { up: number; down: number }>> {
  const { rolled, live } = await splitRange(db, range);
  const by = new Map<string, { up: number; down: number }>();
  const add = (guide: string, up: number, down: number) => {
    const v = by.get(guide) ?? { up: 0, down: 0 };
    by.set(guide, { up: v.up + up, down: v.down + down });
  };
  for (const c of await rolledCounts(db, rolled, ['guide_up', 'guide_down']))
    add(c.key, c.metric === 'guide_up' ? c.n : 0, c.metric === 'guide_down' ? c.n : 0);
  for (const r of live ? await guideVotes(db, live) : []) add(r.guide, r.up, r.down);
  return by;
}

const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** Every guide with its figures over the range, and its 👎 trend over the last 60 days. */
export async function guideFigures(db: Queryable, range: DayRange, now: Date): Promise<GuideRow[]> {
  const guides = await db.query<{ id: string; title: string; kind: string; category: string; last_verified: Date | string }>(
    'select id, title, kind, category, last_verified from guides order by id',
  );
  const today = localDay(now);
  const [asks, votes, recent, before] = await Promise.all([
    asksOver(db, range),
    votesOver(db, range),
    votesOver(db, rangeOf(addDays(today, -29), today)),
    votesOver(db, rangeOf(addDays(today, -59), addDays(today, -30))),
  ]);
  const downs = await db.query<{ guide: string; question: string }>(
    `select guide, question from (
       select a.top_guide as guide, a.question,
              row_number() over (partition by a.top_guide order by f.created_at desc, f.id desc) as rn
         from feedback f join asks a on a.id = f.ask_id
        where f.created_at >= $1 and f.created_at < $2 and f.value = -1 and a.top_guide is not null
     ) d where rn <= 3 order by guide, rn`,
    [range.start, range.end],
  );
  const downOf = new Map<string, string[]>();
  for (const r of downs) downOf.set(r.guide, [...(downOf.get(r.guide) ?? []), r.question]);
  const todayMs = Date.parse(today);
  return guides.map((g) => {
    const v = votes.get(g.id);
    const [r, b] = [recent.get(g.id), before.get(g.id)];
    const lastVerified = day(g.last_verified);
    return {
      id: g.id,
      title: g.title,
      kind: g.kind,
      category: g.category,
      lastVerified,
      ageDays: Math.floor((todayMs - Date.parse(lastVerified)) / DAY_MS),
      asks: asks.get(g.id) ?? 0,
      up: v?.up ?? 0,
      down: v?.down ?? 0,
      recent: { down: r?.down ?? 0, votes: (r?.up ?? 0) + (r?.down ?? 0) },
      before: { down: b?.down ?? 0, votes: (b?.up ?? 0) + (b?.down ?? 0) },
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
