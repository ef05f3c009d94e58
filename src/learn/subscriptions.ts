import { userAddressSql } from '../core/users.ts';
import type { Db, Queryable } from '../db/index.ts';
import { nextLocalTime, TIME_ZONE } from '../time/vietnam.ts';

export interface Subscription {
  courseId: string;
  courseTitle: string;
  hour: number;
  minute: number;
  active: boolean;
  paused: string | null;
}

/** Subscribes (or re-subscribes) a user to one lesson a day of a course at a local time; enrols them in it. */
export async function subscribe(db: Queryable, userId: number, courseId: string, hour: number, minute: number, now: Date): Promise<Date> {
  const due = nextLocalTime(now, hour, minute);
  await db.query(
    `insert into subscriptions (user_id, course_id, hour, minute, active, paused, next_due_at) values ($1, $2, $3, $4, true, null, $5)
     on conflict (user_id) do update set course_id = excluded.course_id, hour = excluded.hour, minute = excluded.minute,
       active = true, paused = null, next_due_at = excluded.next_due_at`,
    [userId, courseId, hour, minute, due],
  );
  await db.query('insert into enrollments (user_id, course_id) values ($1, $2) on conflict do nothing', [userId, courseId]);
  return due;
}

export async function unsubscribe(db: Queryable, userId: number): Promise<boolean> {
  return (await db.query('update subscriptions set active = false where user_id = $1 and active returning id', [userId])).length > 0;
}

export async function getSubscription(db: Queryable, userId: number): Promise<Subscription | undefined> {
  const [row] = await db.query<{ course_id: string; title: string; hour: number; minute: number; active: boolean; paused: string | null }>(
    `select s.course_id, c.title, s.hour, s.minute, s.active, s.paused
       from subscriptions s join courses c on c.id = s.course_id where s.user_id = $1`,
    [userId],
  );
  return (
    row && { courseId: row.course_id, courseTitle: row.title, hour: row.hour, minute: row.minute, active: row.active, paused: row.paused }
  );
}

/**
 * Any message from a user whose lessons were paused for inactivity, or because the channel's interaction window
 * closed, resumes them (next one at their hour).
 */
export async function resumeIfPaused(db: Queryable, userId: number, now: Date): Promise<boolean> {
  const [row] = await db.query<{ hour: number; minute: number }>(
    `select hour, minute from subscriptions where user_id = $1 and active and paused in ('inactive', 'window')`,
    [userId],
  );
  if (!row) return false;
  await db.query(`update subscriptions set paused = null, next_due_at = $2 where user_id = $1`, [
    userId,
    nextLocalTime(now, row.hour, row.minute),
  ]);
  return true;
}

/** Lock id of the scheduler: one process at a time turns due subscriptions into outbox rows. */
const SCHEDULER_LOCK = 4_242_002;

/** What one run of the scheduler did. */
export interface EnqueueResult {
  enqueued: number;
  skipped: number;
  finished: number;
  /** Subscriptions paused because the last lessons were not opened (a friendly note is queued instead). */
  paused: number;
  /** Subscriptions paused because their channel's interaction window closed (nothing can be sent; any message resumes). */
  windowClosed: number;
}

/** Lessons sent without any message from the citizen since, before their subscription pauses. */
export const UNOPENED_BEFORE_PAUSE = 3;
/** The outbox position of the "are you still there?" note (lessons start at 1). */
export const PAUSE_NOTE = 0;

/**
 * Turns every due subscription into an outbox row (idempotent: unique per subscription, lesson and local date) and
 * moves it to its next day. Lessons due more than `lateWindowMs` ago (the service was down) are skipped, not sent
 * late at night. Finished courses end their subscription. All set-based SQL, computed from the database alone.
 */
export async function enqueueDue(
  db: Db,
  now: Date,
  lateWindowMs = 6 * 3600_000,
  /** Channels that reach a citizen only within so many days of their last message (Zalo OA: 7), by name. */
  windows: Readonly<Record<string, number>> = {},
): Promise<EnqueueResult> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') {
      const [lock] = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [SCHEDULER_LOCK]);
      if (!lock!.ok) return { enqueued: 0, skipped: 0, finished: 0, paused: 0, windowClosed: 0 };
    }
    const [row] = await tx.query<EnqueueResult>(
      `with due as (
         select s.id, s.course_id, s.next_due_at, u.channel, ${userAddressSql('u')} as external_id,
                coalesce(e.next_position, 1) as pos,
                exists (select 1 from lessons l
                         where l.course_id = s.course_id and l.position = coalesce(e.next_position, 1)) as has_lesson,
                (select count(*) from outbox o where o.subscription_id = s.id and o.status = 'sent' and o.position > ${PAUSE_NOTE}
                   and o.sent_at > u.last_seen_at) >= ${UNOPENED_BEFORE_PAUSE} as idle,
                coalesce(u.last_seen_at < $1::timestamptz - make_interval(days => w.days), false) as closed,
                coalesce(u.last_seen_at < $1::timestamptz - make_interval(days => w.days - 1), false) as closing
           from subscriptions s
           join users u on u.id = s.user_id
           left join unnest($3::text[], $4::int[]) as w(channel, days) on w.channel = u.channel
           left join enrollments e on e.user_id = s.user_id and e.course_id = s.course_id
          where s.active and s.paused is null and s.next_due_at <= $1 and u.reachable
          for update of s skip locked),
       ins as (
         insert into outbox (subscription_id, course_id, position, local_date, channel, external_id, due_at, next_attempt_at,
                             window_note)
         select d.id, d.course_id, case when d.idle then ${PAUSE_NOTE} else d.pos end,
                (d.next_due_at at time zone '${TIME_ZONE}')::date, d.channel, d.external_id, d.next_due_at, $1,
                d.closing and not d.idle
           from due d where d.has_lesson and not d.closed and d.next_due_at > $1 - make_interval(secs => $2)
         on conflict do nothing
         returning 1),
       moved as (
         update subscriptions s
            set next_due_at = s.next_due_at + (floor(extract(epoch from ($1 - s.next_due_at)) / 86400) + 1) * interval '1 day',
                active = d.has_lesson,
                paused = case when d.closed and d.has_lesson then 'window' when d.idle and d.has_lesson then 'inactive' end
           from due d where s.id = d.id
         returning d.has_lesson, d.idle, d.closed, d.next_due_at > $1 - make_interval(secs => $2) as in_time)
       select (select count(*)::int from ins) as enqueued,
              (select count(*)::int from moved where has_lesson and not in_time) as skipped,
              (select count(*)::int from moved where not has_lesson) as finished,
              (select count(*)::int from moved where has_lesson and idle and not closed) as paused,
              (select count(*)::int from moved where has_lesson and closed) as "windowClosed"`,
      [now, lateWindowMs / 1000, Object.keys(windows), Object.values(windows)],
    );
    return row!;
  });
}
