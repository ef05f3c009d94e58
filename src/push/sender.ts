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


/** What a failed send leads to: given up for good, or tried again after `waitMs`. */
export interface FailureVerdict {
  error: DeliveryError;
  /** Attempts made, this one included. */
  attempts: number;
  giveUp: boolean;
  waitMs: number;
}

/**
 * The one retry policy of both outboxes: a blocked user or a permanent error is given up at once, anything else after
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
