import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { redact } from '../text/redact.ts';
import { cleanText } from '../text/clean.ts';
import { fold } from '../text/normalize.ts';
import { matchChoice } from './choices.ts';
import { RateLimiter } from './rate-limit.ts';
import { reply, type Choice, type Inbound, type Reply } from './message.ts';
import { logMessage, setPending, upsertUser, type User } from './users.ts';

/** One incoming message being handled. */
export interface Turn {
  user: User;
  inbound: Inbound;
  /** What the user typed (raw: stays in this process; everything stored or logged is redacted). */
  text: string;
  /** The same, with personal numbers replaced by placeholders. */
  redacted: string;
  /** The choice picked, split at the first `:` (`guide:vneid-cai-dat` → name `guide`, arg `vneid-cai-dat`). */
  choice?: { id: string; name: string; arg: string };
}

export type Handler = (turn: Turn) => Promise<Reply[]>;

/** What a check run before free text decides: replies to send first, and whether to stop there. */
export interface Screening {
  replies: Reply[];
  stop: boolean;
}

/**
 * A vertical slice of the assistant (ask, safety, help, handoff…). Every part is optional; the conversation asks the
 * features in order and the first one that handles a message answers it.
 */
export interface Feature {
  name: string;
  /** Slash commands, e.g. `{ '/start': handler }`; `/cmd@BotName` is accepted too. */
  commands?: Record<string, Handler>;
  /** Whole messages in plain words, compared folded (`"tro giup"` matches "Trợ giúp!"). */
  phrases?: Record<string, Handler>;
  /** Choice handlers by name (the part of the choice id before `:`). */
  choices?: Record<string, Handler>;
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

export interface ConversationOptions {
  db: Db;
  log: Logger;
  features: Feature[];
  /** Longer messages are not processed; the user is asked to shorten them. */
  maxMessageChars?: number;
  /** Messages one user may send at once, then one per `refillMs` (default 20, then one every 3 s); `false`: no limit. */
  rateLimit?: { capacity: number; refillMs: number; now?: () => number } | false;
}

const TOO_FAST = 'Bạn gửi nhanh quá, mình chưa kịp đọc hết. Bạn chờ một chút rồi gửi lại giúp mình nhé.';

const TOO_LONG = (max: number) =>
  `Tin nhắn dài quá (hơn ${max.toLocaleString('vi-VN')} ký tự) nên mình chưa đọc được. Bạn viết ngắn gọn câu hỏi giúp mình nhé, ví dụ: "quên mật khẩu VNeID".`;
const EMPTY = 'Bạn gõ câu hỏi bằng chữ giúp mình nhé, ví dụ: "làm sao đăng nhập VNeID trên máy mới".';

/**
 * The conversation core: identifies the user, stores the message (redacted), maps typed numbers back to the
 * choices shown last, and routes to the features — interceptions (a person holds the conversation), choices, then
 * commands and phrases, then screening, then free text. It knows nothing about channels.
 */
export class Conversation {
  private readonly commands = new Map<string, Handler>();
  private readonly phrases = new Map<string, Handler>();
  private readonly choiceHandlers = new Map<string, Handler>();
  private readonly maxChars: number;
  private readonly limiter?: RateLimiter;

  constructor(private readonly options: ConversationOptions) {
    if (options.rateLimit !== false) this.limiter = new RateLimiter(options.rateLimit ?? { capacity: 20, refillMs: 3000 });
    for (const f of options.features) {
      for (const [k, h] of Object.entries(f.commands ?? {})) this.commands.set(k.toLowerCase(), h);
      for (const [k, h] of Object.entries(f.phrases ?? {})) this.phrases.set(fold(k), h);
      for (const [k, h] of Object.entries(f.choices ?? {})) this.choiceHandlers.set(k, h);
    }
    this.maxChars = options.maxMessageChars ?? 2000;
  }

  /** The features, in the order they are asked. */
  get features(): readonly Feature[] {
    return this.options.features;
  }

  async handle(inbound: Inbound): Promise<Reply[]> {
    const { db } = this.options;
    const user = await upsertUser(db, inbound.channel, inbound.userId, inbound.displayName?.toWellFormed());
    // every channel cleans at its edge; the core cleans again for callers that are not channels (tests, the terminal)
    const text = cleanText(inbound.text ?? '').trim();
    const redacted = redact(text.slice(0, this.maxChars)).text;
    await logMessage(db, user.id, 'in', inbound.kind === 'text' || inbound.kind === 'choice' ? redacted || '[choice]' : `[${inbound.mediaType ?? inbound.kind}]`);

    const turn: Turn = { user, inbound, text, redacted };
    const replies = !this.limiter || this.limiter.take(String(user.id)) ? await this.run(turn) : [reply(TOO_FAST)];

    // a silent turn (the message went to a volunteer) keeps the choices shown last
    const lastChoices = [...replies].reverse().find((r) => r.choices?.length)?.choices ?? null;
    if (replies.length) await setPending(db, user.id, lastChoices);
    for (const r of replies) await logMessage(db, user.id, 'out', redact(r.text).text);
    return replies;
  }

  /** Observers, then routing; a handler that throws gets the citizen an apology and the error a log line. */
  private async run(turn: Turn): Promise<Reply[]> {
    try {
      for (const f of this.options.features) await f.observe?.(turn);
      return await this.route(turn);
    } catch (err) {
      this.options.log.error({ err: (err as Error).message, stack: (err as Error).stack, channel: turn.inbound.channel }, 'handler failed');
      return [reply('Xin lỗi, mình đang gặp trục trặc nên chưa trả lời được. Bạn thử lại sau ít phút nhé.')];
    }
  }

  private async route(turn: Turn): Promise<Reply[]> {
    const { inbound, text } = turn;
    const features = this.options.features;
    for (const f of features) {
      const taken = await f.intercept?.(turn);
      if (taken) return taken;
    }
    if (inbound.kind === 'media' || inbound.kind === 'other') {
      const media = features.find((f) => f.media)?.media;
      return media ? media(turn) : [reply(EMPTY)];
    }
    const choice = this.resolveChoice(inbound.choice, text, turn.user.pending);
    if (choice) {
      const [name, ...rest] = choice.id.split(':');
      const handler = this.choiceHandlers.get(name!);
      if (handler) return handler({ ...turn, choice: { id: choice.id, name: name!, arg: rest.join(':') } });
      if (inbound.choice) return [reply('Lựa chọn này đã cũ. Bạn gõ lại câu hỏi giúp mình nhé.')];
    }
    if (!text) return [reply(EMPTY)];
    if (text.length > this.maxChars) return [reply(TOO_LONG(this.maxChars))];

    const command = /^\/([a-z_]+)(?:@\w+)?(?:\s|$)/i.exec(text);
    if (command) {
      const handler = this.commands.get(`/${command[1]!.toLowerCase()}`);
      if (handler) return handler(turn);
    }
    const phrase = this.phrases.get(fold(text));
    if (phrase) return phrase(turn);

    const first: Reply[] = [];
    for (const f of features) {
      const screening = await f.screen?.(turn);
      if (!screening) continue;
      first.push(...screening.replies);
      if (screening.stop) return first;
    }
    const answer = features.find((f) => f.text)?.text;
    return [...first, ...(answer ? await answer(turn) : [])];
  }

  private resolveChoice(id: string | undefined, text: string, pending: Choice[] | null): Choice | undefined {
    if (id) return pending?.find((c) => c.id === id) ?? { id, label: id };
    return matchChoice(text, pending);
  }
}
