import type { ChoiceCodec } from './choices.ts';
import type { Inbound, Reply } from './message.ts';
import type { User } from './users.ts';

/** One incoming message being handled. */
export interface Turn {
  user: User;
  inbound: Inbound;
  /** What the user typed (raw: stays in this process; everything stored or logged is redacted). */
  text: string;
  /** The same, with personal numbers replaced by placeholders. */
  redacted: string;
  /** A slash command, parsed once by the core: `/nhan@BinhDanBot 12` → `{ name: 'nhan', args: '12' }`. */
  command?: { name: string; args: string };
  /**
   * The choice picked — pressed and shown to this user, or typed as the number or label of a pending one — with the
   * codec name that parses it; set by the core before any feature sees the turn.
   */
  choice?: { id: string; name: string };
  /**
   * Set by the core before the free-text answer when a screening already answered the whole message
   * ({@link Screening.answered}): the answer then adds only what it actually knows and leaves out a reply that would
   * only say it has none (an abstention after a link verdict would contradict it).
   */
  screened?: { answered: true };
}

export type Handler = (turn: Turn) => Promise<Reply[]>;

/** A slash command of a feature. */
export interface Command {
  /** One line for the platform's command menu (Telegram) and for help texts. */
  description: string;
  run: Handler;
  /** Left out of the menu (volunteer commands, synonyms). */
  hidden?: boolean;
}

/** A handler of one kind of button, with the arguments its codec parsed. Make one with {@link on}. */
export interface ChoiceRoute {
  codec: ChoiceCodec<never>;
  handle(turn: Turn, id: string): Promise<Reply[]>;
}

/**
 * Serves the buttons of `codec`: the handler receives the typed arguments. The core calls it only for an id it
 * showed this user (or, for codecs `authorizedByHandler`, any id) that the codec parses.
 *
 * @example
 * choices: [on(quizAnswer, (turn, { course, lesson, option }) => judge(turn, course, lesson, option))]
 */
export function on<A>(codec: ChoiceCodec<A>, handler: (turn: Turn, args: A) => Promise<Reply[]>): ChoiceRoute {
  return {
    codec: codec as unknown as ChoiceCodec<never>,
    async handle(turn, id) {
      const args = codec.parse(id);
      // the core parsed it before calling; a codec that changed its mind is a bug, not a stale button
      if (args === undefined) throw new Error(`choice ${codec.name}: "${id}" no longer parses`);
      return handler(turn, args);
    },
  };
}

/** What a check run before free text decides: replies to send first, and whether to stop there. */
export interface Screening {
  replies: Reply[];
  stop: boolean;
  /**
   * The replies are an answer on their own (a link verdict, a scam warning): when the free-text answer still runs, it
   * sees `turn.screened` and sends only a real answer, never "I have no answer" after them.
   */
  answered?: boolean;
}

/**
 * A vertical slice of the assistant (ask, safety, help, handoff…). Every part is optional; the conversation asks the
 * features in order and the first one that handles a message answers it. Two features registering the same command,
 * phrase or choice name is an error at start.
 */
export interface Feature {
  name: string;
  /** Slash commands by name without the slash (`{ hoc: { description, run } }`); `/hoc@BotName` is accepted too. */
  commands?: Record<string, Command>;
  /** Whole messages in plain words, compared folded (`"tro giup"` matches "Trợ giúp!"). */
  phrases?: Record<string, Handler>;
  /** The buttons this feature serves, one route per codec. */
  choices?: ChoiceRoute[];
  /** Looks at free text before it is answered (scam stories, links). */
  screen?: (turn: Turn) => Promise<Screening | undefined>;
  /** Answers free text. The first feature with one is the default. */
  text?: Handler;
  /** Answers photos, stickers, voice and other non-text messages. */
  media?: Handler;
  /** Sees every incoming message first (e.g. to resume paused lessons); says nothing. */
  observe?: (turn: Turn) => Promise<void>;
  /**
   * Takes a message before any routing when it belongs to someone else than the bot (a volunteer holds the
   * conversation). `undefined` lets routing go on; `[]` means the bot says nothing.
   */
  intercept?: (turn: Turn) => Promise<Reply[] | undefined>;
}
