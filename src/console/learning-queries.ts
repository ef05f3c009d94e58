import type { Queryable } from '../db/index.ts';
import { TIME_ZONE } from '../time/vietnam.ts';
import type { DayRange } from './range.ts';

/**
 * The learning page's SQL, aggregated in SQL. Indexes they need on big tables (not in the migrations yet):
 * - `outbox (due_at)` — deliveries of the range (today only the partial `outbox_pending_idx` / `outbox_done_idx` cover it);
 * - `enrollments (started_at)` — the completion funnel of those who started in the range;
 * - `quiz_answers (answered_at)` — quiz items and streaks (the existing `(user_id, answered_at)` does not serve a range);
 * - `certificates (issued_at)` — certificates issued in the range.
 * Subscriptions are one per citizen and read whole (grouped by course, hour, channel).
 */

/** Active subscriptions per course and chosen hour (Vietnam time). */
export async function subscribersByHour(db: Queryable) {
  return db.query<{ course: string; hour: number; n: number }>(
    `select c.title as course, s.hour::int as hour, count(*)::int as n
       from subscriptions s join courses c on c.id = s.course_id
      where s.active and s.paused is null group by c.title, s.hour order by c.title, s.hour`,
  );
}

/**
 * Lesson deliveries due in the range per channel: sent, retried (needed more than one try, or waiting after a failed
 * one), failed for good, still pending; and subscriptions paused now (blocked, lessons not opened, or the channel's
 * interaction window closed) per channel.
 */
export async function deliveries(db: Queryable, range: DayRange) {
  const sent = await db.query<{ channel: string; sent: number; retried: number; failed: number; pending: number }>(
    `select channel, count(*) filter (where status = 'sent')::int as sent,
            count(*) filter (where attempts > 1 or (status = 'pending' and attempts > 0))::int as retried,
            count(*) filter (where status = 'failed')::int as failed, count(*) filter (where status = 'pending')::int as pending
       from outbox where due_at >= $1 and due_at < $2 group by channel order by channel`,
    [range.start, range.end],
  );
  const paused = await db.query<{ channel: string; n: number }>(
    `select u.channel, count(*)::int as n from subscriptions s join users u on u.id = s.user_id
      where s.active and s.paused is not null group by u.channel order by u.channel`,
  );
  return { sent, paused };
}

/** Per course and lesson: how many of those who started in the range got past it, and how many started. */
export async function funnel(db: Queryable, range: DayRange) {
  return db.query<{ course_id: string; course: string; position: number; started: number; reached: number }>(
    `with e as (select course_id, next_position from enrollments where started_at >= $1 and started_at < $2)
     select c.id as course_id, c.title as course, l.position::int as position,
            (select count(*)::int from e where e.course_id = c.id) as started,
            count(e.course_id)::int as reached
       from courses c join lessons l on l.course_id = c.id
       left join e on e.course_id = c.id and e.next_position > l.position
      where exists (select 1 from e where e.course_id = c.id)
      group by c.id, c.title, c.ord, l.position order by c.ord, c.id, l.position`,
    [range.start, range.end],
  );
}

/** Every quiz answered (first answers) in the range: how many answered, how many right. */
export async function quizItems(db: Queryable, range: DayRange) {
  return db.query<{ course: string; position: number; title: string; answered: number; correct: number }>(
    `select c.title as course, q.position::int as position, coalesce(l.title, '') as title,
            count(*)::int as answered, count(*) filter (where q.correct)::int as correct
       from quiz_answers q join courses c on c.id = q.course_id
       left join lessons l on l.course_id = q.course_id and l.position = q.position
      where q.answered_at >= $1 and q.answered_at < $2
      group by c.title, c.ord, q.position, l.title order by c.ord, c.title, q.position`,
    [range.start, range.end],
  );
}

/**
 * Current streaks as of the range's last day: days in a row with a quiz answered, ending that day or the day before
 * (as the citizen's /tiendo counts them), looking back at most 400 days. Only the learners who answered on one of
 * those two days can have one: they are found first (by `answered_at`), then their days are read (by
 * `(user_id, answered_at)`) and cut into runs, gaps and islands in SQL (a run is the days whose `day - row_number` is
 * the same).
 */
export async function streaks(db: Queryable, range: DayRange) {
  const since = new Date(range.end.getTime() - 400 * 86_400_000);
  const recent = new Date(range.end.getTime() - 2 * 86_400_000);
  return db.query<{ streak: number; learners: number }>(
    `with learners as (select distinct user_id from quiz_answers where answered_at >= $2 and answered_at < $3),
     days as (
       select distinct q.user_id, (q.answered_at at time zone '${TIME_ZONE}')::date as d
         from learners l join quiz_answers q on q.user_id = l.user_id and q.answered_at >= $1 and q.answered_at < $3),
     runs as (
       select user_id, count(*)::int as len, max(d) as last
         from (select user_id, d, d - (row_number() over (partition by user_id order by d))::int as grp from days) x
        group by user_id, grp)
     select len as streak, count(*)::int as learners from runs
      where last >= $4::date - 1 group by len order by len`,
    [since, recent, range.end, range.to],
  );
}

/** Certificates issued in the range, newest first (at most `limit`), and the count per course. */
export async function certificates(db: Queryable, range: DayRange, limit = 50) {
  const latest = await db.query<{ code: string; user_id: number; course: string; issued_at: Date }>(
    `select code, user_id::int as user_id, course_title as course, issued_at from certificates
      where issued_at >= $1 and issued_at < $2 order by issued_at desc limit $3`,
    [range.start, range.end, limit],
  );
  const perCourse = await db.query<{ course: string; n: number }>(
    `select course_title as course, count(*)::int as n from certificates
      where issued_at >= $1 and issued_at < $2 group by course_title order by course_title`,
    [range.start, range.end],
  );
  return { latest, perCourse };
}
