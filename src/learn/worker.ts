import type { Reply } from '../core/message.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { PushSender } from '../push/sender.ts';
import { deliverBatch } from './delivery.ts';
import { enqueueDue } from './subscriptions.ts';

/**
 * Spaces a channel's pushes within this process: at most `messagesPerSecond` messages overall (Telegram allows about
 * 30 per second for bulk sends; Zalo publishes no figure) and at least `perChatGapMs` between two messages to the same
 * chat (Telegram: about one per second). A push of several replies sends them one by one, each in its own slot.
 */
export function paced(sender: PushSender, messagesPerSecond: number, perChatGapMs = 1000): PushSender {
  const gapMs = 1000 / messagesPerSecond;
  let nextFree = 0;
  /** When each recently served chat may get its next message. */
  const chatFree = new Map<string, number>();
  return {
    async push(externalId: string, replies: Reply[]) {
      for (const r of replies) {
        const now = Date.now();
        const slot = Math.max(now, nextFree);
        nextFree = slot + gapMs;
        const start = Math.max(slot, chatFree.get(externalId) ?? 0);
        chatFree.set(externalId, start + perChatGapMs);
        if (chatFree.size > 10_000) for (const [chat, free] of chatFree) if (free < now) chatFree.delete(chat);
        if (start > now) await new Promise((ok) => setTimeout(ok, start - now));
        await sender.push(externalId, [r]);
      }
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
          const r = await deliverBatch({ db: options.db, senders: options.senders, log: options.log, batchSize: 50 }, new Date());
          if (r.sent + r.failed + r.retried === 0 || stopped) break;
        }
      } catch (err) {
        options.log.error({ err: (err as Error).message }, 'daily lessons: worker error');
      }
      // stopped while delivering: leave now rather than after a whole interval
      if (stopped) break;
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
