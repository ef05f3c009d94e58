/**
 * What every actor of the help desk (citizen, volunteer, relay, announcements) shares: its settings, the database,
 * the clock and the outbox. `feature.ts` makes one {@link Desk} and hands it to each.
 */
import type { Reply } from '../core/message.ts';
import type { Db, Queryable } from '../db/index.ts';
import { enqueuePush, type Push } from '../push/outbox.ts';
import { involvementOf, type Involvement } from './involvement-store.ts';
import type { Ticket } from './tickets.ts';
import type { Volunteer } from './volunteers.ts';

export interface HandoffSettings {
  /** Telegram group where new requests are announced (`VOLUNTEER_CHAT_ID`). */
  volunteerChatId?: string;
  /** Also announce privately, on duty, to every active volunteer who is free (always, when there is no group). */
  notifyPrivately: boolean;
  /** Hours volunteers are on duty, local time: [start, end). */
  dutyHours: readonly [number, number];
  /** Re-announce a request nobody took after this many minutes… */
  reannounceMinutes: number;
  /** …and tell the citizen honestly, with the in-person options, after this many. */
  giveUpMinutes: number;
  /** The wait promised when there is not enough history to measure it. */
  expectedMinutes: number;
}

export interface HandoffDeps {
  db: Db;
  settings: HandoffSettings;
  /** Channels whose users can receive pushes (the terminal cannot). */
  pushChannels: ReadonlySet<string>;
  /** Called after pushes were queued, so they go out now rather than at the next poll. */
  kick?: () => void;
  now?: () => Date;
}

/** The help desk's dependencies, with the clock and the outbox ready to use. */
export interface Desk {
  db: Db;
  settings: HandoffSettings;
  pushChannels: ReadonlySet<string>;
  now: () => Date;
  /** Wakes the push worker. */
  kick: () => void;
  /** Queues pushes on their own (nothing else changes with them), then wakes the push worker. */
  push: (...pushes: Push[]) => Promise<void>;
  /**
   * A state change and the messages it causes, in one transaction — a crash never leaves a request changed with
   * nobody told, or a message stored and not sent — then the push worker is woken.
   */
  atomically: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>;
}

/** The desk for these dependencies: the clock defaults to the real one, and `kick` to nothing. */
export function openDesk(deps: HandoffDeps): Desk {
  const kick = () => deps.kick?.();
  return {
    db: deps.db,
    settings: deps.settings,
    pushChannels: deps.pushChannels,
    now: deps.now ?? (() => new Date()),
    kick,
    async push(...pushes) {
      await enqueuePush(deps.db, ...pushes);
      kick();
    },
    async atomically(work) {
      const result = await deps.db.transaction(work);
      kick();
      return result;
    },
  };
}

/** A draft waits this long for its problem line, a rating this long for its comment; then they are forgotten. */
export const DRAFT_MINUTES = 30;

/** When drafts and comment invitations made before are forgotten. */
export const forgottenBefore = (now: Date) => new Date(now.getTime() - DRAFT_MINUTES * 60_000);

/** Where `userId` stands at the desk now (one statement; see {@link involvementOf}). */
export const involvement = (desk: Desk, userId: number): Promise<Involvement> =>
  involvementOf(desk.db, userId, forgottenBefore(desk.now()));

/** A push to the citizen of `ticket`, in their own chat. */
export const toCitizen = (t: Ticket, r: Reply): Push => ({ channel: t.channel, address: t.address, reply: r, userId: t.citizenId });

/** A push to volunteer `v`, in their private chat with the bot. */
export const toVolunteer = (v: Volunteer, r: Reply): Push => ({ channel: v.channel, address: v.address, reply: r, userId: v.userId });
