import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Conversation } from '../../core/conversation.ts';
import type { Reply } from '../../core/message.ts';
import { DeliveryError, type PushSender } from '../../push/sender.ts';
import type { Db } from '../../db/index.ts';
import type { Logger } from '../../log.ts';
import { firstTime } from '../dedupe.ts';
import { plainReply } from '../render.ts';
import { splitMessage } from '../split.ts';
import { ZaloApiError, ZaloClient } from './client.ts';
import { parseZaloUpdate, type ZaloUpdate } from './update.ts';

export const ZALO_CHANNEL = 'zalo';
/** Under Zalo's 2,000-character limit for one message. */
export const ZALO_MAX_TEXT = 1900;
export const ZALO_SECRET_HEADER = 'x-bot-api-secret-token';

export interface ZaloOptions {
  client: ZaloClient;
  conversation: Conversation;
  db: Db;
  log: Logger;
  /** Long-poll wait per getUpdates call, seconds. */
  pollSeconds?: number;
  /** Public address of our server: Zalo's sendPhoto takes a public image URL (without it, pictures are skipped). */
  publicUrl?: string;
}

/**
 * The Zalo Bot Platform adapter. Zalo has no buttons: choices are rendered as a numbered list and the core maps a
 * reply "1", "2"… back to them. Updates carry no update id, so they are de-duplicated on `message_id`. In groups the
 * bot answers only messages that start with its name (`@Bot…`).
 */
export class ZaloChannel {
  private botName = '';
  private polling = false;
  private loop?: Promise<void>;
  /** Webhook work still running (replies are sent after the 200). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: ZaloOptions) {}

  async init(): Promise<string> {
    this.botName = (await this.options.client.getMe()).account_name;
    return this.botName;
  }

  /**
   * Webhook: a route of our server, registered with a secret (8–256 characters). The secret header is compared in
   * constant time before the body is read further; the request is answered 200 at once and handled after.
   */
  async startWebhook(server: FastifyInstance, publicUrl: string, secret: string): Promise<string> {
    const path = `/zalo/${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
    server.post(path, async (req, res) => {
      if (!sameSecret(req.headers[ZALO_SECRET_HEADER], secret)) return res.code(401).send({ ok: false });
      const update = parseZaloUpdate(req.body);
      if (update) this.track(this.handle(update));
      return { ok: true };
    });
    const url = `${publicUrl.replace(/\/$/, '')}${path}`;
    await this.options.client.setWebhook(url, secret);
    return url;
  }

  /** Long polling (development, small deployments): the webhook is removed first; 408 means "no update". */
  startPolling(): void {
    this.polling = true;
    this.loop = (async () => {
      await this.options.client.deleteWebhook().catch((err: Error) => this.options.log.warn({ err: err.message }, 'zalo: deleteWebhook failed'));
      let backoffMs = 1000;
      while (this.polling) {
        try {
          const update = parseZaloUpdate(await this.options.client.getUpdates(this.options.pollSeconds ?? 30));
          backoffMs = 1000;
          if (update) await this.handle(update);
        } catch (err) {
          if (err instanceof ZaloApiError && err.isPollTimeout) continue;
          if (!this.polling) break;
          this.options.log.warn({ err: (err as Error).message, retryInMs: backoffMs }, 'zalo: polling failed');
          await new Promise((r) => setTimeout(r, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.polling = false;
    await Promise.allSettled([...this.inFlight]);
    await this.options.client.close();
  }

  /** Waits for webhook work in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async handle(update: ZaloUpdate): Promise<void> {
    try {
      if (!(await firstTime(this.options.db, ZALO_CHANNEL, update.messageId))) return;
      let text = update.text;
      if (update.group) {
        const mention = `@${this.botName}`.toLowerCase();
        if (update.kind !== 'text' || !text?.trim().toLowerCase().startsWith(mention)) return;
        text = text.trim().slice(mention.length).trim();
      }
      await this.options.client.sendChatAction(update.chatId).catch(() => {});
      const replies = await this.options.conversation.handle({
        channel: ZALO_CHANNEL,
        userId: update.userId,
        kind: update.kind,
        ...(update.displayName ? { displayName: update.displayName } : {}),
        ...(text !== undefined ? { text } : {}),
        ...(update.mediaType ? { mediaType: update.mediaType } : {}),
        ...(update.group ? { inGroup: true } : {}),
      });
      if (!update.group && update.chatId !== update.userId) {
        await this.options.db.query(`update users set push_address = $2 where channel = $3 and external_id = $1`, [update.userId, update.chatId, ZALO_CHANNEL]);
      }
      await this.send(update.chatId, replies);
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'zalo: update failed');
    }
  }

  /** Sends replies to a chat: numbered choices, split under 2,000 characters. */
  async send(chatId: string, replies: Reply[]): Promise<void> {
    for (const r of replies) {
      const text = plainReply(r);
      if (r.image && this.options.publicUrl) {
        const url = `${this.options.publicUrl.replace(/\/$/, '')}${r.image.path}`;
        // the text rides as the caption when it fits: one message
        if (text.length <= ZALO_MAX_TEXT) {
          await this.options.client.sendPhoto(chatId, url, text);
          continue;
        }
        await this.options.client.sendPhoto(chatId, url);
      }
      for (const part of splitMessage(text, ZALO_MAX_TEXT)) await this.options.client.sendMessage(chatId, part);
    }
  }

  /** Pushes (daily lessons), with Zalo's errors mapped for the delivery engine. */
  pusher(): PushSender {
    return {
      push: async (externalId, replies) => {
        try {
          await this.send(externalId, replies);
        } catch (err) {
          if (!(err instanceof ZaloApiError)) throw new DeliveryError('transient', (err as Error).message);
          if (err.code === 429) throw new DeliveryError('rate-limited', err.description, 5000);
          if (err.code === 0 || err.code >= 500 || err.code === 408) throw new DeliveryError('transient', err.message);
          if (err.code === 403) throw new DeliveryError('blocked', err.message);
          throw new DeliveryError('permanent', err.message);
        }
      },
    };
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

/** Constant-time comparison of the secret header (hashed first, so lengths never leak or throw). */
export function sameSecret(header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const a = createHash('sha256').update(header).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/** A stable webhook secret derived from the token (8–256 characters, the same in every process). */
export function zaloWebhookSecret(token: string): string {
  return createHash('sha256').update(`binhdan-zalo-webhook:${token}`).digest('hex');
}
