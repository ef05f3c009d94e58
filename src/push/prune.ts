import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { PeriodicTask } from './workers.ts';

/**
 * How long delivered and failed rows of both outboxes are kept, in days, by default. The lesson scheduler looks back
 * at the lessons sent since the citizen's last message (a few daily lessons: the caller passes that as `minDays`) and
 * enqueueing is idempotent per local date, so anything above a few days is safe.
 */
export const PUSH_RETENTION_DAYS = 7;

export interface PruneResult {
  outbox: number;
  pushes: number;
}

/**
 * Deletes what is done and old: lessons sent or failed (by due time) and pushes sent or failed (by creation) more
 * than `days` ago, and pushes of `pullChannels` (the web chat, whose page fetches them) that no page fetched within
 * that time — the page that would show them is gone. Pending rows of pushing channels are never deleted. Bounded
 * batches, so a large backlog never holds a long statement.
 */
export async function prunePushes(
  db: Db,
  options: { days?: number; minDays?: number; now?: Date; pullChannels?: string[]; batch?: number } = {},
): Promise<PruneResult> {
  const days = Math.max(options.days ?? PUSH_RETENTION_DAYS, options.minDays ?? 0);
  const before = new Date((options.now ?? new Date()).getTime() - days * 86_400_000);
  const batch = options.batch ?? 5000;
  const result: PruneResult = { outbox: 0, pushes: 0 };
  for (;;) {
    const gone = await db.query(
      `delete from outbox where id in (select id from outbox where status <> 'pending' and due_at < $1 limit $2) returning 1`,
      [before, batch],
    );
    result.outbox += gone.length;
    if (gone.length < batch) break;
  }
  for (;;) {
    const gone = await db.query(
      `delete from push_outbox where id in (
         select id from push_outbox where created_at < $1 and (status <> 'pending' or channel = any($2::text[])) limit $3) returning 1`,
      [before, options.pullChannels ?? [], batch],
    );
    result.pushes += gone.length;
    if (gone.length < batch) break;
  }
  return result;
}

export const PRUNE_TASK = 'prune';

/** The pruner as a background task: hourly by default. */
export function pruneTask(options: {
  db: Db;
  log: Logger;
  days?: number;
  /** Rows younger than this are kept whatever `days` says (what the lesson scheduler still reads). */
  minDays?: number;
  pullChannels?: string[];
  everyMs?: number;
}): PeriodicTask {
  return {
    name: PRUNE_TASK,
    everyMs: options.everyMs ?? 3600_000,
    async run() {
      const r = await prunePushes(options.db, options);
      if (r.outbox + r.pushes) options.log.info(r, 'outboxes pruned');
    },
  };
}
