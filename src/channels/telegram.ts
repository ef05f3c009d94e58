import { createHash } from 'node:crypto';
import { autoRetry } from '@grammyjs/auto-retry';
import type { FastifyInstance } from 'fastify';
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Conversation } from '../core/conversation.ts';
import type { Inbound, Reply } from '../core/message.ts';
import { DeliveryError, type OutputAdapter } from '../core/output.ts';
import type { Db } from '../db/index.ts';
import { ChannelIntake } from '../intake/channel-intake.ts';
import type { Intake, IntakeEntry, IntakeItem } from '../intake/intake.ts';
import type { Logger } from '../log.ts';
import { cleanText } from '../text/clean.ts';
import { runPolling, type PollingLoop } from './polling.ts';
import { htmlText } from './render.ts';
import { sameSecret } from './secret.ts';
import { splitMessage } from './split.ts';

export const TELEGRAM_CHANNEL = 'telegram';
/** Under Telegram's 4,096-character limit for one message. */
export const TELEGRAM_MAX_TEXT = 4000;
/** Telegram's limit for a photo caption. */
export const TELEGRAM_MAX_CAPTION = 1024;
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Non-text messages, by the field Telegram sets, and the media type the core understands. */
const MEDIA: [string, string][] = [
  ['photo', 'photo'],
  ['document', 'photo'],
  ['contact', 'contact'],
  ['voice', 'voice'],
  ['audio', 'voice'],
  ['video', 'video'],
  ['video_note', 'video'],
  ['sticker', 'sticker'],
  ['location', 'location'],
  ['animation', 'sticker'],
];
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export interface TelegramOptions {
  token: string;
  /** Bot API root; a local fake in tests, a self-hosted Bot API server in some deployments. */
  apiRoot?: string;
  conversation: Conversation;
  db: Db;
  log: Logger;
  /**
   * The process's durable intake (shared by the channels; its replies go out through the process's push worker).
   * Without one the channel runs its own intake and a push worker of its own (tests, benchmarks).
   */
  intake?: Intake;
  /** Retries after a 429 are capped so a user-facing reply is never held up for long. */
  maxRetryDelaySeconds?: number;
  /** PNG bytes of a reply's image path (certificates), uploaded as a photo. */
  images?: (path: string) => Promise<Buffer | undefined>;
  /** The typing indicator is re-sent this often while a reply is prepared (Telegram shows it ~5 s). Default 4 s. */
  typingEveryMs?: number;
}

/** What a Telegram update is to the assistant: work to record, or a reason it is ignored (`warn`: it was malformed). */
export type TelegramParse = IntakeEntry | { ignore: string; warn: boolean };

/**
 * The Telegram adapter: updates in (webhook or long polling) → recorded in the durable intake → `Inbound` → the
 * conversation core → `Reply` rows in the push outbox → sent by {@link TelegramChannel.output} as HTML with inline
 * keyboards. Updates are de-duplicated on `update_id` by the intake; in groups the bot answers only when mentioned or
 * replied to; a user who blocked the bot is marked unreachable (by the push worker).
 */
export class TelegramChannel {
  readonly bot: Bot;
  /**
   * Everything this bot sends — replies and pushes alike — goes through this: HTML, split under the limit, buttons,
   * pictures uploaded; Telegram's errors mapped to {@link DeliveryError} (403 blocked, 429 with its retry_after…).
   */
  readonly output: OutputAdapter;
  private readonly intake: Intake;
  private readonly intakes: ChannelIntake;
  private poller?: PollingLoop;

  constructor(private readonly options: TelegramOptions) {
    // A Bot API call that hangs (network trouble) fails after this long instead of the default 500 s.
    const timeoutSeconds = 40;
    this.bot = new Bot(options.token, { client: { timeoutSeconds, ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) } });
    // 429: wait retry_after (capped) and retry; network errors surface at once (start-up reports them, replies fail fast).
    this.bot.api.config.use(
      autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryDelaySeconds ?? 30, rethrowHttpErrors: true }),
    );
    this.intakes = new ChannelIntake({ ...(options.intake ? { shared: options.intake } : {}), db: options.db, log: options.log });
    this.intake = this.intakes.intake;
    this.intake.register(TELEGRAM_CHANNEL, {
      conversation: options.conversation,
      begin: (item) => this.begin(item),
    });
    this.output = {
      name: TELEGRAM_CHANNEL,
      capabilities: { buttons: true, maxText: TELEGRAM_MAX_TEXT, photos: options.images !== undefined },
      send: (address, replies) => this.deliver(address, replies),
    };
  }

  /**
   * Connects (getMe) and sets the command menu: the commands the features declare (`Registry.menu()`). A failure to
   * set the menu is logged, not fatal.
   */
  async init(): Promise<string> {
    // getMe ourselves: grammY's init() retries a network failure forever, start-up must report it instead.
    this.bot.botInfo = await this.bot.api.getMe();
    await this.bot.api
      .setMyCommands(this.options.conversation.registry.menu())
      .catch((err: Error) => this.options.log.warn({ err: err.message }, 'telegram: setMyCommands failed'));
    return this.bot.botInfo.username;
  }

  /**
   * Long polling: each batch is recorded in the intake before the offset moves past it (an update fetched but not
   * recorded is fetched again; one recorded twice is recorded once). Errors back off up to 30 s.
   */
  startPolling(): void {
    if (this.poller) return;
    void this.intakes.startOwn(this.output);
    let offset = 0;
    this.poller = runPolling({
      channel: TELEGRAM_CHANNEL,
      log: this.options.log,
      round: async (signal) => {
        const query = { offset, timeout: 30, allowed_updates: [...ALLOWED_UPDATES] };
        const updates = await this.bot.api.getUpdates(query, signal as Parameters<Bot['api']['getUpdates']>[1]);
        await this.intake.record(TELEGRAM_CHANNEL, this.entries(updates));
        if (updates.length) offset = updates.at(-1)!.update_id + 1;
      },
    });
  }

  /**
   * Webhook at a path of our HTTP server, registered with a secret token; requests without the right
   * `X-Telegram-Bot-Api-Secret-Token` get 401 and are not processed. An update is answered 200 as soon as it is
   * recorded (before its turn runs); a body that is not an update gets 200 too (Telegram would retry it forever) and
   * a warning; a failure to record gets 500, so Telegram delivers it again.
   */
  async startWebhook(server: FastifyInstance, publicUrl: string): Promise<string> {
    const secret = webhookSecret(this.options.token);
    const path = `/telegram/${secret.slice(0, 16)}`;
    await this.intakes.startOwn(this.output);
    server.post(path, async (req, res) => {
      if (!sameSecret(req.headers[TELEGRAM_SECRET_HEADER], secret)) return res.code(401).send({ ok: false });
      await this.intake.record(TELEGRAM_CHANNEL, this.entries([req.body]));
      return { ok: true };
    });
    const url = `${publicUrl.replace(/\/$/, '')}${path}`;
    await this.bot.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
    return url;
  }

  /** Ends the polling loop (awaited) and the channel's own intake and push worker, if it has them. */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
    await this.intakes.stopOwn();
  }

  /** Work of this channel's own intake and push worker, if it has them (tests). */
  async idle(): Promise<void> {
    await this.intakes.idle();
  }

  /** The updates worth recording; malformed ones are logged (a warning, no stack) and dropped. */
  private entries(updates: unknown[]): IntakeEntry[] {
    const entries: IntakeEntry[] = [];
    for (const u of updates) {
      const parsed = parseTelegramUpdate(u, this.bot.botInfo);
      if ('ignore' in parsed) {
        if (parsed.warn) this.options.log.warn({ reason: parsed.ignore }, 'telegram: malformed update ignored');
        continue;
      }
      entries.push(parsed);
    }
    return entries;
  }

  /** As a turn starts: a pressed button is acknowledged, and "typing…" stays on while the answer is prepared. */
  private begin(item: IntakeItem): () => void {
    const api = this.bot.api;
    if (item.meta?.callback) void api.answerCallbackQuery(item.meta.callback).catch(() => {});
    const typing = () => void api.sendChatAction(item.address, 'typing').catch(() => {});
    typing();
    const keepTyping = setInterval(typing, this.options.typingEveryMs ?? 4000);
    return () => clearInterval(keepTyping);
  }

  /** The output adapter's send: the replies one by one, Telegram's errors mapped for the push engine. */
  private async deliver(chatId: string, replies: readonly Reply[]): Promise<void> {
    try {
      for (const r of replies) await this.sendOne(chatId, r);
    } catch (err) {
      if (err instanceof GrammyError) {
        if (err.error_code === 429) throw new DeliveryError('rate-limited', err.description, (err.parameters.retry_after ?? 1) * 1000);
        if (err.error_code === 403) throw new DeliveryError('blocked', err.description);
        if (err.error_code >= 500) throw new DeliveryError('transient', err.description);
        throw new DeliveryError('permanent', err.description);
      }
      throw new DeliveryError('transient', (err as Error).message);
    }
  }

  /**
   * One reply: HTML, split under the limit at paragraph boundaries, buttons on the last part. A reply with a picture
   * is one photo message with the text as its caption when it fits (1,024 characters), else the photo then the text.
   */
  private async sendOne(chatId: string, reply: Reply): Promise<void> {
    const picture = reply.image && (await this.options.images?.(reply.image.path));
    const keyboard = reply.choices?.length ? { reply_markup: keyboardOf(reply) } : {};
    if (picture) {
      const file = new InputFile(picture, reply.image!.path.split('/').pop());
      if (reply.text.replace(/\*\*/g, '').length <= TELEGRAM_MAX_CAPTION) {
        await this.bot.api.sendPhoto(chatId, file, { caption: htmlText(reply.text), parse_mode: 'HTML', ...keyboard });
        return;
      }
      await this.bot.api.sendPhoto(chatId, file);
    }
    const parts = splitMessage(reply.text, this.output.capabilities.maxText);
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      await this.bot.api.sendMessage(chatId, htmlText(part), {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(last ? keyboard : {}),
      });
    }
  }
}

function keyboardOf(reply: Reply): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const c of reply.choices ?? []) keyboard.text(c.label.slice(0, 64), c.id).row();
  return keyboard;
}

/** A stable webhook secret derived from the token (the same in every process; Telegram allows A-Z a-z 0-9 _ -). */
export function webhookSecret(token: string): string {
  return createHash('sha256').update(`binhdan-webhook:${token}`).digest('hex');
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * A Telegram update (webhook body or one getUpdates element) as intake work: the update_id as key, the chat to
 * answer, and the `Inbound` with its text cleaned of control characters. Group messages not addressed to the bot,
 * update kinds we did not ask for and non-text messages in groups are ignored quietly; anything malformed (not an
 * object, no integer update_id, `text` that is not a string, no sender) is ignored with `warn`.
 */
export function parseTelegramUpdate(body: unknown, bot: Pick<UserFromGetMe, 'id' | 'username'>): TelegramParse {
  if (!isObject(body))
    return { ignore: `body is ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}, not an update`, warn: true };
  if (!isId(body.update_id)) return { ignore: 'no integer update_id', warn: true };
  const key = String(body.update_id);
  const person = (from: Record<string, any>) => {
    const name = [from.first_name, from.last_name]
      .filter((p): p is string => typeof p === 'string' && p !== '')
      .map(cleanText)
      .join(' ');
    return { userId: String(from.id), ...(name ? { displayName: name } : {}) };
  };
  // in the user's private chat, its id (the user id) is where pushes to them go
  const work = (chat: number, own: boolean, inbound: Omit<Inbound, 'channel'>, meta?: Record<string, string>): IntakeEntry => ({
    key,
    item: {
      address: String(chat),
      own,
      inbound: { channel: TELEGRAM_CHANNEL, ...inbound, ...(own ? { address: String(chat) } : {}) },
      ...(meta ? { meta } : {}),
    },
  });

  const callback = body.callback_query;
  if (callback !== undefined) {
    if (!isObject(callback) || !isObject(callback.from) || !isId(callback.from.id) || typeof callback.id !== 'string')
      return { ignore: 'callback_query without sender or id', warn: true };
    if (typeof callback.data !== 'string') return { ignore: 'callback_query without data', warn: false };
    const chat = isObject(callback.message) && isObject(callback.message.chat) ? callback.message.chat : undefined;
    const chatId = chat && isId(chat.id) ? chat.id : callback.from.id;
    const group = !!chat && chat.type !== 'private';
    return work(
      chatId,
      !group,
      { ...person(callback.from), kind: 'choice', choice: cleanText(callback.data).slice(0, 64), ...(group ? { inGroup: true } : {}) },
      { callback: callback.id },
    );
  }

  const message = body.message;
  if (message === undefined) return { ignore: 'not a message or a button press', warn: false };
  if (!isObject(message) || !isObject(message.chat) || !isId(message.chat.id)) return { ignore: 'message without chat id', warn: true };
  if (!isObject(message.from) || !isId(message.from.id)) return { ignore: 'message without sender', warn: true };
  const group = message.chat.type !== 'private';
  const base = { ...person(message.from), ...(group ? { inGroup: true } : {}) };
  if ('text' in message) {
    if (typeof message.text !== 'string') return { ignore: `message text is ${typeof message.text}, not a string`, warn: true };
    let text = cleanText(message.text);
    if (group) {
      const mention = new RegExp(`@${bot.username}\\b`, 'i');
      const replyTo =
        isObject(message.reply_to_message) && isObject(message.reply_to_message.from) ? message.reply_to_message.from.id : undefined;
      if (mention.test(text)) text = text.replace(mention, '').trim();
      else if (replyTo !== bot.id) return { ignore: 'group message not addressed to the bot', warn: false };
    }
    return work(message.chat.id, !group, { ...base, kind: 'text', text });
  }
  if (group) return { ignore: 'non-text message in a group', warn: false };
  const found = MEDIA.find(([field]) => message[field] !== undefined);
  return work(message.chat.id, true, { ...base, kind: found ? 'media' : 'other', ...(found ? { mediaType: found[1] } : {}) });
}
