import type { Reply } from './message.ts';

/** What a channel can show. The core never needs it; the channel's renderer does. */
export interface Capabilities {
  /** Choices become buttons; without them, a numbered list the user answers by typing the number. */
  buttons: boolean;
  /** The longest text of one message, in characters: a longer reply is split at paragraph boundaries. */
  maxText: number;
  /** A reply's picture (`Reply.image`) is shown; without, only its text goes. */
  photos: boolean;
  /**
   * The channel reaches a user only within this many days of their last message (Zalo OA: 7): daily lessons stop
   * there, with a note in the last one that can go (see learn's scheduler).
   */
  windowDays?: number;
}

/** Why a send failed, as the channel saw it: what the push engine's retry policy reads. */
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
 * The output side of a channel: sends replies to an address of that channel (a user's chat, a group chat), rendered
 * with what the platform has, in order, and throws {@link DeliveryError} with the platform's error mapped. Everything
 * a channel sends goes through it, by the push engine: the replies to incoming messages (queued by the intake) and
 * what the bot sends on its own (daily lessons, a volunteer's replies, announcements) — one send path per channel.
 */
export interface OutputAdapter {
  /** The channel: `telegram`, `zalo`. */
  readonly name: string;
  readonly capabilities: Capabilities;
  send(address: string, replies: readonly Reply[]): Promise<void>;
}

/** What the push engine needs of an adapter: its send (test doubles implement only this). */
export type Sender = Pick<OutputAdapter, 'send'>;
