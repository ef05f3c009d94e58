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

