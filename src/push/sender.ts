import type { Reply } from '../core/message.ts';

/** Why a push failed, as the channel saw it. */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'rate-limited' | 'blocked' | 'transient' | 'permanent',
    message: string,
    /** For `rate-limited`: how long the platform asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Sends on the bot's own initiative (a daily lesson, a volunteer's reply, an announcement) to a user or chat of one
 * channel, as opposed to answering an incoming message. Channels implement it; the outboxes call it. Throws
 * {@link DeliveryError}.
 */
export interface PushSender {
  push(externalId: string, replies: Reply[]): Promise<void>;
}

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
export function judgeFailure(err: unknown, attemptsBefore: number, policy: { maxAttempts: number; firstBackoffMs: number; maxBackoffMs: number }): FailureVerdict {
  const error = err instanceof DeliveryError ? err : new DeliveryError('transient', (err as Error).message);
  const attempts = attemptsBefore + 1;
  const giveUp = error.kind === 'blocked' || error.kind === 'permanent' || attempts >= policy.maxAttempts;
  const waitMs = error.kind === 'rate-limited' ? (error.retryAfterMs ?? 1000) : Math.min(policy.firstBackoffMs * 2 ** (attempts - 1), policy.maxBackoffMs);
  return { error, attempts, giveUp, waitMs };
}
