import type { OutputAdapter, Sender } from './core/output.ts';
import type { Db } from './db/index.ts';
import type { HandoffSettings } from './handoff/feature.ts';
import { ticketSweepTask } from './handoff/timeouts.ts';
import { LESSON_DELIVERY_TASK, lessonTasks } from './learn/worker.ts';
import type { Logger } from './log.ts';
import type { ChannelPauses } from './push/engine.ts';
import { PUSH_TASK, pushTask, type PushSignal } from './push/outbox.ts';
import { pruneTask } from './push/prune.ts';
import { retentionTask } from './console/retention.ts';
import { rollupTask } from './console/rollup.ts';
import { UNOPENED_BEFORE_PAUSE } from './learn/subscriptions.ts';
import { runWorkers, type PeriodicTask, type Workers } from './push/workers.ts';

/**
 * Hands back the claims a killed predecessor left on both outboxes. Only for the embedded database: its folder lock
 * guarantees no other process is alive to hold them, so waiting out their leases would only delay those messages
 * (on a server, other processes may be sending them: their leases run out on their own).
 */
export async function releaseOrphanClaims(db: Db): Promise<void> {
  if (db.kind !== 'pglite') return;
  await db.query(`update outbox set claimed_until = null, claim_token = null where status = 'pending' and claimed_until is not null`);
  await db.query(`update push_outbox set claimed_until = null, claim_token = null where status = 'pending' and claimed_until is not null`);
}

/**
 * Every periodic job of a process, run by one {@link runWorkers}: the lesson scheduler and lesson delivery (when a
 * pushing channel runs), push sending (kicked by `pushSignal` whenever a handler queued something), the ticket
 * sweeper, the pruner, the daily privacy job and the console's daily report rollup. Both deliveries send through the
 * same output adapters (`senders`, paced) and share their 429 pauses. `stop()` is the normal stop: every loop ends,
 * awaited — sends in flight finish, the rows not started go back, nothing goes out twice.
 */
export function startBackgroundWork(options: {
  db: Db;
  /** The output adapters of the channels that connected, by name. */
  senders: Record<string, Sender>;
  log: Logger;
  pushSignal: PushSignal;
  handoff: HandoffSettings;
  /** Channels whose rows the client fetches itself (the web chat): pruned once stale, never pushed. */
  pullChannels?: string[];
  /** RETENTION_DAYS: citizens' data older than this is deleted once a day (0 or absent: kept). */
  retentionDays?: number;
}): Workers {
  const { db, senders, log } = options;
  const pauses: ChannelPauses = new Map();
  const pushing = Object.keys(senders).length > 0;
  // channels with an interaction window (Zalo OA): the lesson scheduler stops at its edge
  const windows = Object.fromEntries(
    Object.entries(senders).flatMap(([name, s]) => {
      const days = (s as Partial<OutputAdapter>).capabilities?.windowDays;
      return days ? [[name, days]] : [];
    }),
  );
  // called only once the runner exists (a task kicks another after it has run)
  const kick = (name: string) => () => workers.kick(name);
  const tasks: PeriodicTask[] = [
    ...(pushing
      ? [
          ...lessonTasks({ db, senders, log, pauses, scheduled: kick(LESSON_DELIVERY_TASK), windows }),
          pushTask({ db, senders, log, pauses }),
        ]
      : []),
    ticketSweepTask({ db, settings: options.handoff, log, kick: pushing ? kick(PUSH_TASK) : () => {} }),
    // the scheduler counts the lessons sent since the citizen's last message: those rows must still be there
    pruneTask({ db, log, pullChannels: options.pullChannels, minDays: UNOPENED_BEFORE_PAUSE + 1 }),
    // the privacy job: at most once a Vietnam day across processes (the day's row in retention_runs)
    retentionTask({ db, log, days: options.retentionDays ?? 0 }),
    // the console's report days, counted once each day is over
    rollupTask({ db, log }),
  ];
  const workers = runWorkers(tasks, log);
  const unsubscribe = pushing ? options.pushSignal.on(kick(PUSH_TASK)) : () => {};
  const stop = workers.stop;
  return {
    ...workers,
    stop: async () => {
      unsubscribe();
      await stop();
    },
  };
}
