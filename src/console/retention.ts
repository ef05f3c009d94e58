import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { PeriodicTask } from '../push/workers.ts';
import { localDay, TIME_ZONE } from '../time/vietnam.ts';
import { pruneConsole } from './accounts.ts';

/**
 * The privacy job: citizens' data older than `RETENTION_DAYS` is deleted once a day (issue 15, point 8).
 *
 * What counts as citizens' data, and what happens to it once older than the setting:
 * - deleted: messages; questions (`asks`) with their 👍/👎 (`feedback`) and generation records (`generations`, whose
 *   `condensed` is a rewritten question); closed or cancelled help requests (`tickets`, by when they ended) with
 *   their `ticket_messages` and `ticket_events`; volunteers' saved answers an editor already handled (`guide_suggestions`
 *   done or rejected); unmet help requests (`handoff_unmet`); the guide a citizen was last answered with
 *   (`conversation_topics`); leftovers of the intake and both outboxes (`inbound_updates`, `push_outbox`, `outbox`,
 *   `processed_updates`), whatever their status; and citizens themselves (`users`, with their enrolments and quiz
 *   answers) not seen for that long who hold nothing still in use — no active subscription, no certificate (it must
 *   stay verifiable), no help request left, not a volunteer.
 * - kept: open requests (draft, waiting, active) and saved answers still waiting for an editor; the learning record of a
 *   citizen still around (enrolments, quiz answers — numbers, no text — subscriptions, certificates); guides, courses
 *   and console accounts; the daily report counts (`report_counts`: numbers per day, channel or guide, no one in them),
 *   while who wrote on each rolled day (`report_active`) is deleted like the messages.
 *
 * Deletes go in batches (`batch` rows a statement, each its own short statement, no transaction around them, no network
 * call), so a large table is never locked for long. `RETENTION_DAYS=0` keeps everything.
 */

/** Rows deleted by one statement at most. */
export const RETENTION_BATCH = 5000;

export interface RetentionRun {
  /** The Vietnam day of the run (YYYY-MM-DD). */
  day: string;
  retentionDays: number;
  startedAt: Date;
  /** Null while running, or when the run stopped half-way. */
  finishedAt: Date | null;
  /** Rows deleted per table. */
  deleted: Record<string, number>;
}

/** One step: a table's name as reported, and the statement deleting up to `$2` of its rows older than `$1`. */
const STEPS: readonly [string, string][] = [
  ['messages', `delete from messages where id in (select id from messages where created_at < $1 limit $2)`],
  [
    'feedback',
    `delete from feedback where id in (
       select f.id from feedback f join asks a on a.id = f.ask_id where a.created_at < $1 or f.created_at < $1 limit $2)`,
  ],
  [
    'generations',
    `delete from generations where id in (
       select g.id from generations g left join asks a on a.id = g.ask_id where g.created_at < $1 or a.created_at < $1 limit $2)`,
  ],
  ['asks', `delete from asks where id in (select id from asks where created_at < $1 limit $2)`],
  [
    'ticket_messages',
    `delete from ticket_messages where id in (
       select m.id from ticket_messages m join tickets t on t.id = m.ticket_id
        where t.status in ('closed', 'cancelled') and coalesce(t.closed_at, t.created_at) < $1 limit $2)`,
  ],
  [
    'ticket_events',
    `delete from ticket_events where id in (
       select e.id from ticket_events e join tickets t on t.id = e.ticket_id
        where t.status in ('closed', 'cancelled') and coalesce(t.closed_at, t.created_at) < $1 limit $2)`,
  ],
  [
    'tickets',
    `delete from tickets where id in (
       select id from tickets where status in ('closed', 'cancelled') and coalesce(closed_at, created_at) < $1 limit $2)`,
  ],
  [
    'guide_suggestions',
    `delete from guide_suggestions where id in (select id from guide_suggestions where status <> 'new' and created_at < $1 limit $2)`,
  ],
  ['handoff_unmet', `delete from handoff_unmet where id in (select id from handoff_unmet where created_at < $1 limit $2)`],
  [
    'conversation_topics',
    `delete from conversation_topics where user_id in (select user_id from conversation_topics where at < $1 limit $2)`,
  ],
  // who wrote on a rolled report day (the counts themselves carry no one and are kept)
  [
    'report_active',
    `delete from report_active where (day, user_id) in (
       select day, user_id from report_active where day < ($1::timestamptz at time zone '${TIME_ZONE}')::date limit $2)`,
  ],
  ['inbound_updates', `delete from inbound_updates where id in (select id from inbound_updates where received_at < $1 limit $2)`],
  ['push_outbox', `delete from push_outbox where id in (select id from push_outbox where created_at < $1 limit $2)`],
  ['outbox', `delete from outbox where id in (select id from outbox where due_at < $1 limit $2)`],
  [
    'processed_updates',
    `delete from processed_updates where (channel, key) in (select channel, key from processed_updates where created_at < $1 limit $2)`,
  ],
  [
    'users',
    `delete from users where id in (
       select u.id from users u
        where u.last_seen_at < $1
          and not exists (select 1 from volunteers v where v.user_id = u.id)
          and not exists (select 1 from subscriptions s where s.user_id = u.id and s.active)
          and not exists (select 1 from certificates c where c.user_id = u.id)
          and not exists (select 1 from tickets t where t.citizen_id = u.id)
        limit $2)`,
  ],
];

/** The tables the job deletes from, in its order (what the privacy page lists). */
export const RETENTION_TABLES: readonly string[] = STEPS.map(([table]) => table);

/** Deletes, batch by batch, every row of one step older than `before`; how many went. */
async function deleteOld(db: Queryable, sql: string, before: Date, batch: number, stopping: () => boolean): Promise<number> {
  let total = 0;
  while (!stopping()) {
    const gone = (await db.query(`${sql} returning 1`, [before, batch])).length;
    total += gone;
    if (gone < batch) break;
  }
  return total;
}

/**
 * Today's run of the privacy job, unless RETENTION_DAYS is 0 (`off`) or a run of this Vietnam day exists already, in
 * this process or another (`done-today`: the day's row is inserted first, so two processes never both run).
 * @example const r = await runRetention(db, { days: config.RETENTION_DAYS });
 */
export async function runRetention(
  db: Db,
  options: {
    days: number;
    now?: Date;
    batch?: number;
    /** True on a normal stop of the process: the run ends after the batch in hand, left unfinished for tomorrow. */
    stopping?: () => boolean;
  },
): Promise<RetentionRun | { skipped: 'off' | 'done-today' }> {
  if (options.days <= 0) return { skipped: 'off' };
  const now = options.now ?? new Date();
  const day = localDay(now);
  const [claimed] = await db.query(
    `insert into retention_runs (day, retention_days, started_at) values ($1, $2, $3) on conflict (day) do nothing returning day`,
    [day, options.days, now],
  );
  if (!claimed) return { skipped: 'done-today' };
  const before = new Date(now.getTime() - options.days * 86_400_000);
  const batch = options.batch ?? RETENTION_BATCH;
  const deleted: Record<string, number> = {};
  const stopping = options.stopping ?? (() => false);
  for (const [table, sql] of STEPS) {
    deleted[table] = await deleteOld(db, sql, before, batch, stopping);
    // what is done so far is on record, should the process stop half-way
    if (deleted[table]) await db.query('update retention_runs set deleted = $2 where day = $1', [day, JSON.stringify(deleted)]);
  }
  if (stopping()) return { day, retentionDays: options.days, startedAt: now, finishedAt: null, deleted };
  await pruneConsole(db, now);
  const finishedAt = options.now ?? new Date();
  await db.query('update retention_runs set finished_at = $2, deleted = $3 where day = $1', [day, finishedAt, JSON.stringify(deleted)]);
  return { day, retentionDays: options.days, startedAt: now, finishedAt, deleted };
}

type RunRow = {
  day: string | Date;
  retention_days: number;
  started_at: Date | string;
  finished_at: Date | string | null;
  deleted: unknown;
};

/** The latest run of the privacy job (finished or not), for the console; undefined before the first. */
export async function lastRetentionRun(db: Queryable): Promise<RetentionRun | undefined> {
  const [row] = await db.query<RunRow>(
    `select to_char(day, 'YYYY-MM-DD') as day, retention_days, started_at, finished_at, deleted
       from retention_runs order by day desc limit 1`,
  );
  if (!row) return undefined;
  const deleted =
    typeof row.deleted === 'string' ? (JSON.parse(row.deleted) as Record<string, number>) : (row.deleted as Record<string, number>);
  return {
    day: String(row.day),
    retentionDays: Number(row.retention_days),
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    deleted,
  };
}

export const RETENTION_TASK = 'retention';

/**
 * The privacy job as a background task: it looks every hour (by default) and runs once per Vietnam day; with
 * RETENTION_DAYS=0 it does nothing.
 */
export function retentionTask(options: { db: Db; log: Logger; days: number; everyMs?: number }): PeriodicTask {
  return {
    name: RETENTION_TASK,
    everyMs: options.everyMs ?? 3600_000,
    async run(stopping) {
      const r = await runRetention(options.db, { days: options.days, stopping });
      if ('skipped' in r || !Object.values(r.deleted).some((n) => n > 0)) return;
      options.log.info({ deleted: r.deleted, days: r.retentionDays }, 'privacy: old citizen data deleted');
    },
  };
}
