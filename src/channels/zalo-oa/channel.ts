import type { FastifyInstance } from 'fastify';
import type { Conversation } from '../../core/conversation.ts';
import type { Reply } from '../../core/message.ts';
import { DeliveryError, type OutputAdapter } from '../../core/output.ts';
import type { Db } from '../../db/index.ts';
import { ChannelIntake } from '../../intake/channel-intake.ts';
import type { Intake, IntakeEntry } from '../../intake/intake.ts';
import type { Logger } from '../../log.ts';
import { cleanText } from '../../text/clean.ts';
import { plainText } from '../render.ts';
import { splitMessage } from '../split.ts';
import { OaApiError, type OaButton, type OaClient, type OaMessage } from './client.ts';
import { CHOICE_PAYLOAD_PREFIX, parseOaEvent, type OaEvent } from './event.ts';
import { checkOaDelivery } from './webhook.ts';

export const ZALO_OA_CHANNEL = 'zalo-oa';
/** Zalo's limit for a consultation message's text. */
export const OA_MAX_TEXT = 2000;
/** Buttons under one message; further choices are listed as numbers to type. */
export const OA_MAX_BUTTONS = 5;
/** Zalo's button titles are short: a longer label is cut with an ellipsis. */
const BUTTON_TITLE_MAX = 50;
export const OA_WEBHOOK_PATH = '/zalo-oa/webhook';
/** Consultation messages reach only citizens who wrote to the OA within this many days. */
export const OA_WINDOW_DAYS = 7;
/** Webhook bodies are small JSON events; anything bigger is not one. */
const BODY_LIMIT = 256 * 1024;

export interface ZaloOaOptions {
  client: OaClient;
  appId: string;
  /** The OA secret key: the webhook's mac is made with it. */
  secretKey: string;
  conversation: Conversation;
  db: Db;
  log: Logger;
  /** The process's shared intake; without one the channel runs its own, with a push worker (tests). */
  intake?: Intake;
  now?: () => Date;
}

/**
 * The Zalo Official Account adapter (Open API v3). Events come by webhook only: each delivery's signature is checked
 * over the raw body, then the event is recorded in the durable intake (de-duplicated on `msg_id`, so a redelivery is
 * answered once) before the 200, and handled after. Replies go as consultation messages: text under 2,000 characters
 * split at paragraphs, choices as `oa.query.hide` buttons whose payload comes back as a button press.
 *
 * Started by `startChannels` when the OA's app is configured; the access token comes from the OAuth token store
 * (tokens.ts). Still to come (issue 16): the interaction window for pushes, pictures, the echo silence.
 */
export class ZaloOaChannel {
  readonly output: OutputAdapter;
  private readonly intake: Intake;
  private readonly intakes: ChannelIntake;

  constructor(private readonly options: ZaloOaOptions) {
    this.intakes = new ChannelIntake({ ...(options.intake ? { shared: options.intake } : {}), db: options.db, log: options.log });
    this.intake = this.intakes.intake;
    this.intake.register(ZALO_OA_CHANNEL, { conversation: options.conversation });
    this.output = {
      name: ZALO_OA_CHANNEL,
      capabilities: { buttons: true, maxText: OA_MAX_TEXT, photos: false, windowDays: OA_WINDOW_DAYS },
      send: (address, replies) => this.deliver(address, replies),
    };
  }

  /**
   * Registers `POST /zalo-oa/webhook` on `server` (before it listens), in a scope of its own that reads bodies as raw
   * text (the mac is over the bytes received). Every delivery gets 200 — Zalo disables a webhook that keeps failing,
   * and a refused one is only logged — except when recording fails: then 500, and Zalo delivers it again.
   */
  async startWebhook(server: FastifyInstance): Promise<void> {
    await this.intakes.startOwn(this.output);
    await server.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      scope.post(OA_WEBHOOK_PATH, async (req, res) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const now = this.options.now?.() ?? new Date();
        const check = checkOaDelivery(raw, req.headers['x-zevent-signature'], { ...this.options, now });
        if (!check.ok) {
          this.options.log.warn({ reason: check.reason }, 'zalo-oa: webhook delivery refused');
          return res.code(200).send({ ok: false });
        }
        const event = parseOaEvent(check.body);
        const entry = event && this.entryOf(event);
        if (entry) await this.intake.record(ZALO_OA_CHANNEL, [entry]);
        return res.code(200).send({ ok: true });
      });
    });
  }

  async stop(): Promise<void> {
    await this.intakes.stopOwn();
    await this.options.client.close();
  }

  /** Work of this channel's own intake and push worker, if it has them (tests). */
  async idle(): Promise<void> {
    await this.intakes.idle();
  }

  /** The intake work of an event; undefined for events that ask nothing of the assistant (echoes, unfollows). */
  private entryOf(event: OaEvent): IntakeEntry | undefined {
    const userId = cleanText(event.userId);
    const base = { channel: ZALO_OA_CHANNEL, userId, address: userId };
    const inbound =
      event.kind === 'text'
        ? { ...base, kind: 'text' as const, text: cleanText(event.text) }
        : event.kind === 'choice'
          ? { ...base, kind: 'choice' as const, choice: cleanText(event.choice).slice(0, 64) }
          : event.kind === 'media'
            ? { ...base, kind: 'media' as const, mediaType: event.mediaType }
            : event.kind === 'follow'
              ? { ...base, kind: 'text' as const, text: '/start' }
              : undefined;
    if (!inbound) return undefined;
    return { key: cleanText(event.msgId), item: { address: userId, own: true, inbound } };
  }

  /** The output adapter's send; the OA's errors mapped to what the push engine does with them. */
  private async deliver(userId: string, replies: readonly Reply[]): Promise<void> {
    try {
      for (const r of replies) for (const m of oaMessages(r)) await this.options.client.sendCs(userId, m);
    } catch (err) {
      throw deliveryErrorOf(err);
    }
  }
}

/**
 * One reply as consultation messages: its text split under {@link OA_MAX_TEXT}; the first {@link OA_MAX_BUTTONS}
 * choices as buttons under the last part, any further ones listed with their numbers (typing one picks it).
 */
export function oaMessages(r: Reply): OaMessage[] {
  const choices = r.choices ?? [];
  const rest = choices.slice(OA_MAX_BUTTONS).map((c, i) => `${OA_MAX_BUTTONS + i + 1}. ${c.label}`);
  const text = plainText(r.text) + (rest.length ? `\n\n${rest.join('\n')}\n(Gõ số để chọn)` : '');
  const parts = splitMessage(text, OA_MAX_TEXT);
  const buttons: OaButton[] = choices.slice(0, OA_MAX_BUTTONS).map((c) => ({
    title: c.label.length > BUTTON_TITLE_MAX ? `${c.label.slice(0, BUTTON_TITLE_MAX - 1)}…` : c.label,
    type: 'oa.query.hide',
    payload: `${CHOICE_PAYLOAD_PREFIX}${c.id}`,
  }));
  return parts.map((part, i) =>
    i === parts.length - 1 && buttons.length ? { text: part, attachment: { type: 'template', payload: { buttons } } } : { text: part },
  );
}

/** The OA's error codes as delivery outcomes: wait (rate, quota), the citizen unreachable (window), retry or give up. */
export function deliveryErrorOf(err: unknown): DeliveryError {
  if (!(err instanceof OaApiError)) return new DeliveryError('transient', (err as Error).message);
  const { error } = err;
  if (error === -32) return new DeliveryError('rate-limited', err.description, 60_000);
  if (error === -211 || error === -218 || error === -1471 || error === -1472)
    return new DeliveryError('rate-limited', err.description, 3600_000);
  if (error === -230 || error === -232 || error === -213) return new DeliveryError('blocked', err.description);
  if (error === 0 || error >= 500 || error === -216 || error === -220 || error === -124) return new DeliveryError('transient', err.message);
  return new DeliveryError('permanent', err.message);
}
