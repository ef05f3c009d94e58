import type { Queryable } from '../db/index.ts';
import { TIME_ZONE } from '../time/vietnam.ts';
import type { DayRange } from './range.ts';

/**
 * The help desk page's SQL. Indexes they need on big tables (not in the migrations yet):
 * - the queue now reads open tickets through the partial `tickets_one_open_per_citizen` (status draft/waiting/active);
 * - `tickets (queued_at)` — response times and queued requests by hour of the range;
 * - `tickets (closed_at) where rating is not null` — CSAT per volunteer and per day;
 * - `handoff_unmet (created_at)` exists.
 */

const local = (column: string) => `(${column} at time zone '${TIME_ZONE}')`;

/** Open requests now, by channel: waiting in the queue, held by a volunteer; and the oldest wait. */
export async function queueNow(db: Queryable, now: Date) {
  const rows = await db.query<{ channel: string; waiting: number; active: number }>(
    `select u.channel, count(*) filter (where t.status = 'waiting')::int as waiting,
            count(*) filter (where t.status = 'active')::int as active
       from tickets t join users u on u.id = t.citizen_id
      where t.status in ('waiting', 'active') group by u.channel order by u.channel`,
  );
  const [oldest] = await db.query<{ minutes: number | null }>(
    `select (extract(epoch from ($1::timestamptz - min(queued_at))) / 60)::float8 as minutes from tickets where status = 'waiting'`,
    [now],
  );
  return { rows, oldestWaitMin: oldest?.minutes ?? null };
}

/** Median minutes from queued to the first volunteer message and to closing, over the range and per day queued. */
export async function responseTimes(db: Queryable, range: DayRange) {
  const median = (to: string, filter = '') =>
    `(percentile_cont(0.5) within group (order by extract(epoch from ${to} - queued_at) / 60) ${filter})::float8`;
  return db.query<{ day: string | null; tickets: number; first_response: number | null; resolution: number | null }>(
    `select to_char(${local('queued_at')}, 'YYYY-MM-DD') as day, count(*)::int as tickets,
            ${median('first_response_at')} as first_response,
            ${median('closed_at', "filter (where status = 'closed')")} as resolution
       from tickets where queued_at >= $1 and queued_at < $2 and status <> 'draft'
      group by grouping sets ((to_char(${local('queued_at')}, 'YYYY-MM-DD')), ()) order by 1 nulls first`,
    [range.start, range.end],
  );
}

/** Ratings (1–5) of requests closed in the range: per volunteer, and per day closed. */
export async function satisfaction(db: Queryable, range: DayRange) {
  const perVolunteer = await db.query<{ volunteer: string; rating: number | null; ratings: number; closed: number }>(
    `select coalesce(v.name || ' (#' || v.id || ')', 'không rõ') as volunteer, avg(t.rating)::float8 as rating,
            count(t.rating)::int as ratings, count(*)::int as closed
       from tickets t left join volunteers v on v.id = t.volunteer_id
      where t.closed_at >= $1 and t.closed_at < $2 and t.status = 'closed'
      group by v.id, v.name order by v.name nulls last, v.id`,
    [range.start, range.end],
  );
  const perDay = await db.query<{ day: string; rating: number; ratings: number }>(
    `select to_char(${local('closed_at')}, 'YYYY-MM-DD') as day, avg(rating)::float8 as rating, count(*)::int as ratings
       from tickets where closed_at >= $1 and closed_at < $2 and rating is not null group by 1 order by 1`,
    [range.start, range.end],
  );
  return { perVolunteer, perDay };
}

/** Per Vietnam hour of day: requests nobody could take, and requests queued for a volunteer (to plan duty hours). */
export async function demandByHour(db: Queryable, range: DayRange) {
  return db.query<{ hour: number; unmet: number; queued: number }>(
    `select hour, sum(unmet)::int as unmet, sum(queued)::int as queued from (
       select extract(hour from ${local('created_at')})::int as hour, count(*) as unmet, 0 as queued
         from handoff_unmet where created_at >= $1 and created_at < $2 group by 1
       union all
       select extract(hour from ${local('queued_at')})::int, 0, count(*)
         from tickets where queued_at >= $1 and queued_at < $2 group by 1
     ) h group by hour order by hour`,
    [range.start, range.end],
  );
}
