import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { ChannelPauses } from '../push/engine.ts';
import type { Sender } from '../core/output.ts';
import { runWorkers, type PeriodicTask } from '../push/workers.ts';
import { deliverBatch } from './delivery.ts';
import { enqueueDue } from './subscriptions.ts';

/** The periodic task that queues due lessons (kick it to schedule now). */
export const LESSON_SCHEDULE_TASK = 'lesson-schedule';
export const LESSON_DELIVERY_TASK = 'lessons';

/**
 * The daily-lesson jobs of one process, for {@link runWorkers}: every `everyMs` the scheduler turns due subscriptions
 * into outbox rows (one scheduler at a time, by advisory lock on a server) and kicks delivery, which sends pending
 * rows batch after batch until none are left. Safe to run in every process.
 */
export function lessonTasks(options: {
  db: Db;
  senders: Record<string, Sender>;
  log: Logger;
  everyMs?: number;
  pauses?: ChannelPauses;
  /** Called when the scheduler queued lessons (wire it to kick {@link LESSON_DELIVERY_TASK}). */
  scheduled?: () => void;
  /** Channels that reach a citizen only within so many days of their last message, by name (their `windowDays`). */
  windows?: Readonly<Record<string, number>>;
}): PeriodicTask[] {
  const everyMs = options.everyMs ?? 15_000;
  return [
    {
      name: LESSON_SCHEDULE_TASK,
      everyMs,
      async run() {
        const { enqueued, skipped, finished } = await enqueueDue(options.db, new Date(), undefined, options.windows);
        if (enqueued || skipped || finished) options.log.info({ enqueued, skipped, finished }, 'daily lessons scheduled');
        if (enqueued) options.scheduled?.();
      },
    },
    {
      name: LESSON_DELIVERY_TASK,
      everyMs,
      async run(stopping) {
        const r = await deliverBatch(
          { db: options.db, senders: options.senders, log: options.log, batchSize: 50, stopping, pauses: options.pauses },
          new Date(),
        );
        return r.sent + r.failed + r.retried > 0;
      },
    },
  ];
}

/** The lesson jobs alone (tests); `npm start` runs them with the other workers (src/workers.ts). */
export function startLessonWorker(options: {
  db: Db;
  senders: Record<string, Sender>;
  log: Logger;
  intervalMs?: number;
}): () => Promise<void> {
  let kick = () => {};
  const workers = runWorkers(
    lessonTasks({ ...options, everyMs: options.intervalMs, pauses: new Map(), scheduled: () => kick() }),
    options.log,
  );
  kick = () => workers.kick(LESSON_DELIVERY_TASK);
  return () => workers.stop();
}
