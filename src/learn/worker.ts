import type { Reply } from '../core/message.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { deliverBatch, type PushSender } from './delivery.ts';
import { enqueueDue } from './subscriptions.ts';

/**
 * Spaces a channel's pushes to at most `messagesPerSecond` messages (each reply is one message), within this
 * process. Telegram allows about 30 per second overall for bulk sends; Zalo publishes no figure.
 */
export function paced(sender: PushSender, messagesPerSecond: number): PushSender {
  const gapMs = 1000 / messagesPerSecond;
  let nextFree = 0;
  return {
    async push(externalId: string, replies: Reply[]) {
      const now = Date.now();
      const start = Math.max(now, nextFree);
      nextFree = start + gapMs * replies.length;
      if (start > now) await new Promise((r) => setTimeout(r, start - now));
      await sender.push(externalId, replies);
    },
  };
}

/**
 * The daily-lesson loop of one process: every `intervalMs`, turn due subscriptions into outbox rows (one scheduler
 * at a time, by advisory lock on a server) and send pending rows until none are left. Safe to run in every process.
 */
export function startLessonWorker(options: { db: Db; senders: Record<string, PushSender>; log: Logger; intervalMs?: number }): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const now = new Date();
        const { enqueued, skipped, finished } = await enqueueDue(options.db, now);
        if (enqueued || skipped || finished) options.log.info({ enqueued, skipped, finished }, 'daily lessons scheduled');
        for (;;) {
          const r = await deliverBatch({ db: options.db, senders: options.senders, log: options.log }, new Date());
          if (r.sent + r.failed + r.retried === 0 || stopped) break;
        }
      } catch (err) {
        options.log.error({ err: (err as Error).message }, 'daily lessons: worker error');
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, options.intervalMs ?? 15_000);
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
