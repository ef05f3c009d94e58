import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Conversation } from '../../core/conversation.ts';
import type { Reply } from '../../core/message.ts';
import { DeliveryError, type OutputAdapter } from '../../core/output.ts';
import type { Db } from '../../db/index.ts';
import { ChannelIntake } from '../../intake/channel-intake.ts';
import type { Intake, IntakeEntry } from '../../intake/intake.ts';
import type { Logger } from '../../log.ts';
import { cleanText } from '../../text/clean.ts';
import { runPolling, type PollingLoop } from '../polling.ts';
import { plainReply } from '../render.ts';
import { sameSecret } from '../secret.ts';
import { splitMessage } from '../split.ts';
import { ZaloApiError, ZaloClient } from './client.ts';
import { parseZaloUpdate, type ZaloUpdate } from './update.ts';

export { sameSecret } from '../secret.ts';

export const ZALO_CHANNEL = 'zalo';
/** Under Zalo's 2,000-character limit for one message. */
export const ZALO_MAX_TEXT = 1900;
export const ZALO_SECRET_HEADER = 'x-bot-api-secret-token';

export interface ZaloOptions {
  client: ZaloClient;
  conversation: Conversation;
  db: Db;
  log: Logger;
  /**
   * The process's durable intake (shared by the channels; its replies go out through the process's push worker).
   * Without one the channel runs its own intake and a push worker of its own (tests).
   */
  intake?: Intake;
  /** Long-poll wait per getUpdates call, seconds. */
  pollSeconds?: number;
  /** Public address of our server: Zalo's sendPhoto takes a public image URL (without it, pictures are skipped). */
  publicUrl?: string;
}

/**
 * The Zalo Bot Platform adapter. Zalo has no buttons: choices are rendered as a numbered list and the core maps a
 * reply "1", "2"… back to them. Updates carry no update id: the durable intake records and de-duplicates them on
 * `message_id`. In groups the bot answers only messages that start with its name (`@Bot…`).
 */
export class ZaloChannel {
  /**
   * Everything this bot sends — replies and pushes alike — goes through this: plain text with numbered choices, split
   * under 2,000 characters, pictures by public URL; Zalo's errors mapped to {@link DeliveryError}.
   */
  readonly output: OutputAdapter;
  private botName = '';
  private poller?: PollingLoop;
  private readonly intake: Intake;
  private readonly intakes: ChannelIntake;

  constructor(private readonly options: ZaloOptions) {
    this.intakes = new ChannelIntake({ ...(options.intake ? { shared: options.intake } : {}), db: options.db, log: options.log });
    this.intake = this.intakes.intake;
    this.intake.register(ZALO_CHANNEL, {
      conversation: options.conversation,
      begin: (item) => void options.client.sendChatAction(item.address).catch(() => {}),
    });
    this.output = {
      name: ZALO_CHANNEL,
      capabilities: { buttons: false, maxText: ZALO_MAX_TEXT, photos: options.publicUrl !== undefined },
      send: (address, replies) => this.deliver(address, replies),
    };
  }

  async init(): Promise<string> {
    this.botName = (await this.options.client.getMe()).account_name;
    return this.botName;
  }

  /**
   * Webhook: a route of our server, registered with a secret (8–256 characters). The secret header is compared in
   * constant time before the body is read further; the message is recorded in the intake, then answered 200 (before
   * its turn runs). A body that is not a message gets 200 and a warning; a failure to record gets 500.
   */
  async startWebhook(server: FastifyInstance, publicUrl: string, secret: string): Promise<string> {
    const path = `/zalo/${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
    await this.intakes.startOwn(this.output);
    server.post(path, async (req, res) => {
      if (!sameSecret(req.headers[ZALO_SECRET_HEADER], secret)) return res.code(401).send({ ok: false });
      await this.accept(req.body);
      return { ok: true };
    });
    const url = `${publicUrl.replace(/\/$/, '')}${path}`;
    await this.options.client.setWebhook(url, secret);
    return url;
  }

  /**
   * Long polling (development, small deployments): the webhook is removed first; 408 means "no update". Each update
   * is recorded before the next is asked for — but Zalo polling has no offset: what Zalo handed out before a crash
   * and we had not recorded yet is gone.
   */
  startPolling(): void {
    if (this.poller) return;
    void this.intakes.startOwn(this.output);
    const { client, log } = this.options;
    let webhookDeleted = false;
    this.poller = runPolling({
      channel: ZALO_CHANNEL,
      log,
      quiet: (err) => err instanceof ZaloApiError && err.isPollTimeout,
      round: async (signal) => {
        if (!webhookDeleted) {
          webhookDeleted = true;
          await client.deleteWebhook().catch((err: Error) => log.warn({ err: err.message }, 'zalo: deleteWebhook failed'));
        }
        await this.accept(await client.getUpdates(this.options.pollSeconds ?? 30, signal));
      },
    });
  }

  /**
   * Ends the polling loop (its request in flight aborted, the loop awaited), then the channel's own intake and push
   * worker if it has them, then closes the client.
   */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
    await this.intakes.stopOwn();
    await this.options.client.close();
  }

  /** Work of this channel's own intake and push worker, if it has them (tests). */
  async idle(): Promise<void> {
    await this.intakes.idle();
  }

  /**
   * Hands in one update as if it came by webhook and waits until it is answered (its replies sent): tests and
   * tools. Production goes through {@link startWebhook} or {@link startPolling}.
   */
  async handle(update: ZaloUpdate): Promise<void> {
    await this.intakes.startOwn(this.output);
    const entry = this.entryOf(update);
    if (!entry) return;
    await this.intake.record(ZALO_CHANNEL, [entry]);
    await this.intake.settle(ZALO_CHANNEL, entry.key);
  }

  /** Records a webhook body or a getUpdates result; anything that is not a message is logged (warning) and dropped. */
  private async accept(body: unknown): Promise<void> {
    const update = parseZaloUpdate(body);
    if (!update) {
      this.options.log.warn({ reason: describe(body) }, 'zalo: malformed update ignored');
      return;
    }
    const entry = this.entryOf(update);
    if (entry) await this.intake.record(ZALO_CHANNEL, [entry]);
  }

  /** The intake work of an update; undefined for a group message not addressed to the bot. */
  private entryOf(update: ZaloUpdate): IntakeEntry | undefined {
    let text = update.text === undefined ? undefined : cleanText(update.text);
    if (update.group) {
      const mention = `@${this.botName}`.toLowerCase();
      if (update.kind !== 'text' || !text?.trim().toLowerCase().startsWith(mention)) return undefined;
      text = text.trim().slice(mention.length).trim();
    }
    const displayName = update.displayName === undefined ? undefined : cleanText(update.displayName);
    // ids are strings on Zalo: cleaned too, so that no body can make the row impossible to record
    const chat = cleanText(update.chatId);
    return {
      key: cleanText(update.messageId),
      item: {
        address: chat,
        own: !update.group,
        inbound: {
          channel: ZALO_CHANNEL,
          userId: cleanText(update.userId),
          kind: update.kind,
          ...(displayName ? { displayName } : {}),
          ...(text !== undefined ? { text } : {}),
          ...(update.mediaType ? { mediaType: update.mediaType } : {}),
          // a private chat's id can differ from the user's: pushes (lessons) go to the chat
          ...(update.group ? { inGroup: true } : { address: chat }),
        },
      },
    };
  }

  /** The output adapter's send: numbered choices, split under 2,000 characters; Zalo's errors mapped. */
  private async deliver(chatId: string, replies: readonly Reply[]): Promise<void> {
    try {
      for (const r of replies) await this.sendOne(chatId, r);
    } catch (err) {
      if (!(err instanceof ZaloApiError)) throw new DeliveryError('transient', (err as Error).message);
      if (err.code === 429) throw new DeliveryError('rate-limited', err.description, 5000);
      if (err.code === 0 || err.code >= 500 || err.code === 408) throw new DeliveryError('transient', err.message);
      if (err.code === 403) throw new DeliveryError('blocked', err.message);
      throw new DeliveryError('permanent', err.message);
    }
  }

  /** One reply; with a picture (and a public address to show it at), the photo with the text as its caption when it fits. */
  private async sendOne(chatId: string, r: Reply): Promise<void> {
    const { client, publicUrl } = this.options;
    const { maxText } = this.output.capabilities;
    const text = plainReply(r);
    if (r.image && publicUrl) {
      const url = `${publicUrl.replace(/\/$/, '')}${r.image.path}`;
      // the text rides as the caption when it fits: one message
      if (text.length <= maxText) {
        await client.sendPhoto(chatId, url, text);
        return;
      }
      await client.sendPhoto(chatId, url);
    }
    for (const part of splitMessage(text, maxText)) await client.sendMessage(chatId, part);
  }
}

/** A stable webhook secret derived from the token (8–256 characters, the same in every process). */
export function zaloWebhookSecret(token: string): string {
  return createHash('sha256').update(`binhdan-zalo-webhook:${token}`).digest('hex');
}

function describe(body: unknown): string {
  if (body === null) return 'body is null';
  if (Array.isArray(body)) return 'body is an array';
  if (typeof body !== 'object') return `body is ${typeof body}`;
  return 'not a message update (no event_name, message, sender or message_id)';
}
