import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { redact } from '../text/redact.ts';
import { cleanText } from '../text/clean.ts';
import { fold } from '../text/normalize.ts';
import { choiceName, matchChoice } from './choices.ts';
import type { Feature, Turn } from './feature.ts';
import { parseCommand, Registry } from './registry.ts';
import { RateLimiter } from './rate-limit.ts';
import { reply, type Choice, type Inbound, type Reply } from './message.ts';
import { logMessages, showReplies, upsertUser, type User } from './users.ts';

export type { Command, ChoiceRoute, Feature, Handler, Screening, Turn } from './feature.ts';
export { on } from './feature.ts';

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
  `Tin nhắn dài quá (hơn ${max.toLocaleString('vi-VN')} ký tự) nên mình chưa đọc được. ` +
  'Bạn viết ngắn gọn câu hỏi giúp mình nhé, ví dụ: "quên mật khẩu VNeID".';
const EMPTY = 'Bạn gõ câu hỏi bằng chữ giúp mình nhé, ví dụ: "làm sao đăng nhập VNeID trên máy mới".';

/** A pressed button the bot did not show this user, or no longer serves: said plainly, with the choices that are current. */
export function staleChoice(current: readonly Choice[] | null): Reply {
  return current?.length
    ? reply('Lựa chọn này đã cũ. Bạn chọn một trong các mục dưới đây, hoặc gõ câu hỏi giúp mình nhé.', [...current])
    : reply('Lựa chọn này đã cũ. Bạn gõ lại câu hỏi giúp mình nhé.');
}

/**
 * The conversation core: identifies the user, stores the message (redacted), parses a slash command once, maps typed
 * numbers back to the choices shown last, and routes to the features in a fixed order:
 *
 * 1. interceptions (a person holds the conversation),
 * 2. media,
 * 3. choices — a pressed id only if the bot showed it to this user and a codec parses it,
 * 4. commands, then phrases,
 * 5. screening (scam stories, links), then the free-text answer (told when a screening already answered the whole
 *    message: `Turn.screened`).
 *
 * It knows nothing about channels or about what any feature does.
 */
export class Conversation {
  readonly registry: Registry;
  private readonly maxChars: number;
  private readonly limiter?: RateLimiter;

  constructor(private readonly options: ConversationOptions) {
    if (options.rateLimit !== false) this.limiter = new RateLimiter(options.rateLimit ?? { capacity: 20, refillMs: 3000 });
    this.registry = new Registry(options.features);
    this.maxChars = options.maxMessageChars ?? 2000;
  }

  /** The features, in the order they are asked. */
  get features(): readonly Feature[] {
    return this.options.features;
  }

  /** Answers one incoming message. */
  async handle(inbound: Inbound): Promise<Reply[]> {
    return (await this.respond(inbound)).replies;
  }

  /**
   * Answers one incoming message and says whose it was: channels that queue the replies (the intake) address them
   * to that user. The replies' choices are recorded here — the last ones as pending, all as shown — so whoever
   * sends the replies need not record them again.
   */
  async respond(inbound: Inbound): Promise<{ userId: number; replies: Reply[] }> {
    const { db } = this.options;
    const user = await upsertUser(db, inbound.channel, inbound.userId, inbound.displayName?.toWellFormed(), inbound.address);
    // every channel cleans at its edge; the core cleans again for callers that are not channels (tests, the terminal)
    const text = cleanText(inbound.text ?? '').trim();
    const redacted = redact(text.slice(0, this.maxChars)).text;
    const logged = inbound.kind === 'text' || inbound.kind === 'choice' ? redacted || '[choice]' : `[${inbound.mediaType ?? inbound.kind}]`;
    await logMessages(db, user.id, 'in', [logged]);

    const command = inbound.kind === 'text' && text.length <= this.maxChars ? parseCommand(text) : undefined;
    const choice = inbound.kind === 'text' || inbound.kind === 'choice' ? this.choiceOf(inbound, text, user) : undefined;
    const turn: Turn = { user, inbound, text, redacted, ...(command ? { command } : {}), ...(choice ? { choice } : {}) };
    const replies = !this.limiter || this.limiter.take(String(user.id)) ? await this.run(turn) : [reply(TOO_FAST)];

    // a silent turn (the message went to a volunteer) keeps the choices shown last
    if (replies.length) {
      await showReplies(db, user.id, replies);
      await logMessages(
        db,
        user.id,
        'out',
        replies.map((r) => redact(r.text).text),
      );
    }
    return { userId: user.id, replies };
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
    const { inbound, text, user } = turn;
    const features = this.options.features;
    for (const f of features) {
      const taken = await f.intercept?.(turn);
      if (taken) return taken;
    }
    if (inbound.kind === 'media' || inbound.kind === 'other') {
      const media = features.find((f) => f.media)?.media;
      return media ? media(turn) : [reply(EMPTY)];
    }
    if (turn.choice) return this.registry.choices.get(turn.choice.name)!.handle(turn, turn.choice.id);
    if (inbound.choice !== undefined) return [staleChoice(user.pending)];
    if (!text) return [reply(EMPTY)];
    if (text.length > this.maxChars) return [reply(TOO_LONG(this.maxChars))];

    const command = turn.command && this.registry.commands.get(turn.command.name);
    if (command) return command.run(turn);
    const phrase = this.registry.phrases.get(fold(text));
    if (phrase) return phrase(turn);

    const first: Reply[] = [];
    let answered = false;
    for (const f of features) {
      const screening = await f.screen?.(turn);
      if (!screening) continue;
      first.push(...screening.replies);
      answered ||= screening.answered === true && screening.replies.length > 0;
      if (screening.stop) return first;
    }
    const answer = features.find((f) => f.text)?.text;
    const screened: Turn = answered ? { ...turn, screened: { answered: true } } : turn;
    return [...first, ...(answer ? await answer(screened) : [])];
  }

  /**
   * The choice this message picks, decided once before any feature sees the turn: a button press counts only if the
   * bot showed that id to this user (in the reply it last sent or among the recent ones: `User.shown`) — unless its
   * codec is `authorizedByHandler` — and its codec parses it; a typed number or label picks one of the pending
   * choices. A press that does not count is answered as stale, with the current choices.
   */
  private choiceOf(inbound: Inbound, text: string, user: User): Turn['choice'] {
    const id = inbound.choice ?? (inbound.kind === 'text' ? matchChoice(text, user.pending)?.id : undefined);
    if (id === undefined) return undefined;
    const route = this.registry.choices.get(choiceName(id));
    if (!route || route.codec.parse(id) === undefined) return undefined;
    const shown =
      inbound.choice === undefined || route.codec.authorizedByHandler || user.pending?.some((c) => c.id === id) || user.shown.includes(id);
    return shown ? { id, name: route.codec.name } : undefined;
  }
}
