import { DeliveryError, type Sender } from '../core/output.ts';

/**
 * An output adapter whose sends are spaced within this process: at most `messagesPerSecond` messages overall (Telegram
 * allows about 30 per second for bulk sends; Zalo publishes no figure) and at least `perChatGapMs` between two messages
 * to the same chat (Telegram: about one per second). A send of several replies sends them one by one, each in its own
 * slot. Replies and pushes share the pacing, since they share the adapter.
 */
export function paced<A extends Sender>(adapter: A, messagesPerSecond: number, perChatGapMs = 1000): Omit<A, 'send'> & Sender {
  const gapMs = 1000 / messagesPerSecond;
  let nextFree = 0;
  /** When each recently served chat may get its next message. */
  const chatFree = new Map<string, number>();
  return {
    ...adapter,
    async send(address, replies) {
      for (const r of replies) {
        const now = Date.now();
        const slot = Math.max(now, nextFree);
        nextFree = slot + gapMs;
        const start = Math.max(slot, chatFree.get(address) ?? 0);
        chatFree.set(address, start + perChatGapMs);
        if (chatFree.size > 10_000) for (const [chat, free] of chatFree) if (free < now) chatFree.delete(chat);
        if (start > now) await new Promise((ok) => setTimeout(ok, start - now));
        await adapter.send(address, [r]);
      }
    },
  };
}

/** What a failed send leads to: given up for good, or tried again after `waitMs`. */
export interface FailureVerdict {
  error: DeliveryError;
  /** Attempts made, this one included. */
  attempts: number;
  giveUp: boolean;
  waitMs: number;
}

/**
 * The one retry policy of the push engine (both sources): a blocked user or a permanent error is given up at once, anything else after
 * `maxAttempts`; a 429 waits the platform's `retry_after`, other errors back off exponentially from `firstBackoffMs`
 * up to `maxBackoffMs`. Errors that are not {@link DeliveryError}s count as transient.
 */
export function judgeFailure(
  err: unknown,
  attemptsBefore: number,
  policy: { maxAttempts: number; firstBackoffMs: number; maxBackoffMs: number },
): FailureVerdict {
  const error = err instanceof DeliveryError ? err : new DeliveryError('transient', (err as Error).message);
  const attempts = attemptsBefore + 1;
  const giveUp = error.kind === 'blocked' || error.kind === 'permanent' || attempts >= policy.maxAttempts;
  const waitMs =
    error.kind === 'rate-limited'
      ? (error.retryAfterMs ?? 1000)
      : Math.min(policy.firstBackoffMs * 2 ** (attempts - 1), policy.maxBackoffMs);
  return { error, attempts, giveUp, waitMs };
}
