import { createHash } from 'node:crypto';
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { FastifyInstance } from 'fastify';
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback, type Context } from 'grammy';
import type { Conversation } from '../core/conversation.ts';
import type { Inbound, Reply } from '../core/message.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { DeliveryError, type PushSender } from '../push/sender.ts';
import { firstTime, markUnreachable } from './dedupe.ts';
import { htmlText } from './render.ts';
import { splitMessage } from './split.ts';

export const TELEGRAM_CHANNEL = 'telegram';
/** Under Telegram's 4,096-character limit for one message. */
export const TELEGRAM_MAX_TEXT = 4000;
/** Telegram's limit for a photo caption. */
export const TELEGRAM_MAX_CAPTION = 1024;

export const COMMANDS = [
  { command: 'start', description: 'Bắt đầu' },
  { command: 'help', description: 'Mình giúp được gì' },
  { command: 'hoc', description: 'Học bài ngắn về kỹ năng số' },
  { command: 'tiendo', description: 'Xem tiến độ học' },
  { command: 'tinhnguyenvien', description: 'Gặp tình nguyện viên' },
];

/** Non-text messages, by the field Telegram sets, and the media type the core understands. */
const MEDIA: [keyof NonNullable<Context['message']>, string][] = [
  ['photo', 'photo'], ['document', 'photo'], ['contact', 'contact'], ['voice', 'voice'], ['audio', 'voice'],
  ['video', 'video'], ['video_note', 'video'], ['sticker', 'sticker'], ['location', 'location'], ['animation', 'sticker'],
];

export interface TelegramOptions {
  token: string;
  /** Bot API root; a local fake in tests, a self-hosted Bot API server in some deployments. */
  apiRoot?: string;
  conversation: Conversation;
  db: Db;
  log: Logger;
  /** Retries after a 429 are capped so a user-facing reply is never held up for long. */
  maxRetryDelaySeconds?: number;
  /** PNG bytes of a reply's image path (certificates), uploaded as a photo. */
  images?: (path: string) => Promise<Buffer | undefined>;
  /** The typing indicator is re-sent this often while a reply is prepared (Telegram shows it ~5 s). Default 4 s. */
  typingEveryMs?: number;
}

/**
 * The Telegram adapter (grammY): updates in → `Inbound` → the conversation core → `Reply` out as HTML with inline
 * keyboards. Every update is de-duplicated durably by `update_id`; in groups the bot answers only when mentioned or
 * replied to; a user who blocked the bot is marked unreachable.
 */
export class TelegramChannel {
  readonly bot: Bot;
  private runner?: RunnerHandle;

  constructor(private readonly options: TelegramOptions) {
    // A Bot API call that hangs (network trouble) fails after this long instead of the default 500 s.
    const timeoutSeconds = 40;
    this.bot = new Bot(options.token, { client: { timeoutSeconds, ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) } });
    // 429: wait retry_after (capped) and retry; network errors surface at once (start-up reports them, replies fail fast).
    this.bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryDelaySeconds ?? 30, rethrowHttpErrors: true }));
    // One chat's updates in order (runner processes several chats at once).
    this.bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));
    this.bot.use(async (ctx, next) => {
      if (await firstTime(options.db, TELEGRAM_CHANNEL, String(ctx.update.update_id))) await next();
    });
    this.bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery().catch(() => {});
      await this.handle(ctx, { kind: 'choice', choice: ctx.callbackQuery.data });
    });
    this.bot.on('message:text', async (ctx) => {
      const text = this.addressedText(ctx);
      if (text !== undefined) await this.handle(ctx, { kind: 'text', text });
    });
    this.bot.on('message', async (ctx) => {
      if (ctx.chat.type !== 'private') return;
      const found = MEDIA.find(([field]) => ctx.message[field] !== undefined);
      await this.handle(ctx, { kind: found ? 'media' : 'other', ...(found ? { mediaType: found[1] } : {}) });
    });
    this.bot.catch((err) => options.log.error({ err: err.message, update: err.ctx.update.update_id }, 'telegram update failed'));
  }

  /** Connects (getMe) and sets the command menu; a failure to set the menu is logged, not fatal. */
  async init(): Promise<string> {
    // getMe ourselves: grammY's init() retries a network failure forever, start-up must report it instead.
    this.bot.botInfo = await this.bot.api.getMe();
    await this.bot.api.setMyCommands(COMMANDS).catch((err: Error) => this.options.log.warn({ err: err.message }, 'telegram: setMyCommands failed'));
    return this.bot.botInfo.username;
  }

  /** Long polling, several updates at once but one chat's updates in order. */
  startPolling(): void {
    this.runner = run(this.bot, { runner: { fetch: { timeout: 30 } } });
  }

  /**
   * Webhook at a path of our HTTP server, registered with a secret token; requests without the right
   * `X-Telegram-Bot-Api-Secret-Token` get 401 and are not processed.
   */
  async startWebhook(server: FastifyInstance, publicUrl: string): Promise<string> {
    const secret = webhookSecret(this.options.token);
    const path = `/telegram/${secret.slice(0, 16)}`;
    server.post(path, webhookCallback(this.bot, 'fastify', { secretToken: secret }));
    const url = `${publicUrl.replace(/\/$/, '')}${path}`;
    await this.bot.api.setWebhook(url, { secret_token: secret, allowed_updates: ['message', 'callback_query'] });
    return url;
  }

  async stop(): Promise<void> {
    if (this.runner?.isRunning()) await this.runner.stop();
  }

  /** The text of a message meant for the bot: any private message; in groups only a mention or a reply to it. */
  private addressedText(ctx: Context): string | undefined {
    const message = ctx.message!;
    const text = message.text ?? '';
    if (ctx.chat?.type === 'private') return text;
    const username = this.bot.botInfo.username;
    const mention = new RegExp(`@${username}\\b`, 'i');
    if (mention.test(text)) return text.replace(mention, '').trim();
    if (message.reply_to_message?.from?.id === this.bot.botInfo.id) return text;
    return undefined;
  }

  private async handle(ctx: Context, inbound: Pick<Inbound, 'kind' | 'text' | 'choice' | 'mediaType'>): Promise<void> {
    const from = ctx.from;
    const chatId = ctx.chat?.id;
    if (!from || chatId === undefined) return;
    // "typing…" stays on while the answer is prepared (a generated answer can take seconds).
    const typing = () => ctx.api.sendChatAction(chatId, 'typing').catch(() => {});
    await typing();
    const keepTyping = setInterval(() => void typing(), this.options.typingEveryMs ?? 4000);
    const replies = await this.options.conversation
      .handle({
        channel: TELEGRAM_CHANNEL,
        userId: String(from.id),
        displayName: [from.first_name, from.last_name].filter(Boolean).join(' '),
        ...(ctx.chat?.type !== 'private' ? { inGroup: true } : {}),
        ...inbound,
      })
      .finally(() => clearInterval(keepTyping));
    try {
      for (const r of replies) await this.send(chatId, r);
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 403) {
        await markUnreachable(this.options.db, TELEGRAM_CHANNEL, String(from.id));
        this.options.log.info({ user: from.id }, 'telegram: user blocked the bot; marked unreachable');
        return;
      }
      throw err;
    }
  }

  /**
   * One reply: HTML, split under the limit at paragraph boundaries, buttons on the last part. A reply with a picture
   * is one photo message with the text as its caption when it fits (1,024 characters), else the photo then the text.
   */
  async send(chatId: number | string, reply: Reply): Promise<void> {
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
    const parts = splitMessage(reply.text, TELEGRAM_MAX_TEXT);
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

/** Pushes (daily lessons) through this bot, with Telegram's errors mapped for the delivery engine. */
export function telegramPusher(channel: TelegramChannel): PushSender {
  return {
    async push(externalId, replies) {
      try {
        for (const r of replies) await channel.send(externalId, r);
      } catch (err) {
        if (err instanceof GrammyError) {
          if (err.error_code === 429) throw new DeliveryError('rate-limited', err.description, (err.parameters.retry_after ?? 1) * 1000);
          if (err.error_code === 403) throw new DeliveryError('blocked', err.description);
          if (err.error_code >= 500) throw new DeliveryError('transient', err.description);
          throw new DeliveryError('permanent', err.description);
        }
        throw new DeliveryError('transient', (err as Error).message);
      }
    },
  };
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
