import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Conversation } from '../core/conversation.ts';
import type { OutputAdapter } from '../core/output.ts';
import type { Db } from '../db/index.ts';
import { Intake } from '../intake/intake.ts';
import type { Logger } from '../log.ts';
import type { PushSignal } from '../push/outbox.ts';
import { paced } from '../push/sender.ts';
import { TelegramChannel } from './telegram.ts';
import { ZaloChannel, zaloWebhookSecret } from './zalo/channel.ts';
import { ZaloClient } from './zalo/client.ts';
import { ZALO_OA_CHANNEL, ZaloOaChannel } from './zalo-oa/channel.ts';
import { OaClient } from './zalo-oa/client.ts';
import type { OaTokenStore } from './zalo-oa/tokens.ts';

/** What the messaging channels need of the process. */
export interface ChannelDeps {
  config: Pick<Config, 'PUBLIC_URL' | 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_PUSH_PER_SECOND'> &
    Pick<Config, 'ZALO_BOT_TOKEN' | 'ZALO_API_BASE' | 'ZALO_PUSH_PER_SECOND'> &
    Pick<Config, 'ZALO_OA_APP_ID' | 'ZALO_OA_APP_SECRET' | 'ZALO_OA_SECRET_KEY' | 'ZALO_OA_API_BASE'>;
  /** The Zalo OA's token store, when its app is configured (see app.ts). */
  zaloOa?: OaTokenStore;
  log: Logger;
  db: Db;
  conversation: Conversation;
  /** Rung by the intake when a turn's replies are queued. */
  pushSignal: PushSignal;
  /** Picture bytes by the path the server serves them at (certificates, lesson pictures): Telegram uploads them. */
  pictures: (path: string) => Promise<Buffer | undefined>;
  /**
   * The channels that can reach their users, live: each channel that connects is added (and removed when stopped).
   * Handoff announces and learn offers daily lessons only on these.
   */
  pushChannels: Set<string>;
  /** Filled with each bot's name and link as it connects (the web chat's /dangky names them). */
  botLinks?: { telegram?: { name: string; url: string }; zalo?: { name: string; url?: string } };
}

export interface StartedChannels {
  /** The channels that connected, by name: their output adapters (paced), which send replies and pushes alike. */
  adapters: Record<string, OutputAdapter>;
  /** Called once the HTTP server listens (long polling starts then). */
  afterListen: (() => void)[];
  /** To be run in order: each channel's polling loop ends (awaited), then the intake (its turns in flight finish). */
  stops: (() => Promise<void>)[];
}

/**
 * Starts every configured messaging channel. Each one reports whether it is connected (its bot name) or why not;
 * one failing never stops the others or the web chat, and is not added to `pushChannels`. Webhook routes are added
 * before the server listens.
 */
export async function startChannels(deps: ChannelDeps, server: FastifyInstance): Promise<StartedChannels> {
  const { config, log } = deps;
  const started: StartedChannels = { adapters: {}, afterListen: [], stops: [] };
  log.info('web chat: on');
  // every webhook or polled update is recorded before it is acknowledged; the replies go out by the push worker
  const intake = new Intake({ db: deps.db, log, signal: deps.pushSignal, releaseLeasesOnStart: deps.db.kind === 'pglite' });
  const connected = (output: OutputAdapter, perSecond: number, stop: () => Promise<void>) => {
    started.adapters[output.name] = paced(output, perSecond);
    deps.pushChannels.add(output.name);
    started.stops.push(async () => {
      deps.pushChannels.delete(output.name);
      await stop();
    });
  };
  if (config.TELEGRAM_BOT_TOKEN) {
    try {
      const tg = new TelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        conversation: deps.conversation,
        db: deps.db,
        log,
        intake,
        images: deps.pictures,
      });
      const name = await tg.init();
      if (config.PUBLIC_URL) {
        const url = await tg.startWebhook(server, config.PUBLIC_URL);
        log.info({ url: url.replace(/\/telegram\/.*/, '/telegram/…') }, `telegram: connected as @${name} (webhook)`);
      } else {
        started.afterListen.push(() => tg.startPolling());
        log.info(`telegram: connected as @${name} (long polling)`);
      }
      connected(tg.output, config.TELEGRAM_PUSH_PER_SECOND, () => tg.stop());
      if (deps.botLinks) deps.botLinks.telegram = { name: `@${name}`, url: `https://t.me/${name}?start=hoc` };
    } catch (err) {
      log.error({ err: (err as Error).message }, 'telegram: not connected; the other channels keep running');
    }
  } else {
    log.info('telegram: off (set TELEGRAM_BOT_TOKEN to turn it on)');
  }
  if (config.ZALO_BOT_TOKEN) {
    const client = new ZaloClient({ token: config.ZALO_BOT_TOKEN, baseUrl: config.ZALO_API_BASE });
    try {
      const publicUrl = config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {};
      const zalo = new ZaloChannel({ client, conversation: deps.conversation, db: deps.db, log, intake, ...publicUrl });
      const name = await zalo.init();
      if (config.PUBLIC_URL) {
        await zalo.startWebhook(server, config.PUBLIC_URL, zaloWebhookSecret(config.ZALO_BOT_TOKEN));
        log.info(`zalo: connected as ${name} (webhook)`);
      } else {
        started.afterListen.push(() => zalo.startPolling());
        log.info(`zalo: connected as ${name} (long polling; messages sent while the bot is down are lost — use PUBLIC_URL in production)`);
      }
      connected(zalo.output, config.ZALO_PUSH_PER_SECOND, () => zalo.stop());
      // Zalo bots have no known deep link (../shared/facts/zalo-api.md): the name, to search for
      if (deps.botLinks) deps.botLinks.zalo = { name };
    } catch (err) {
      await client.close();
      log.error({ err: (err as Error).message }, 'zalo: not connected; the other channels keep running');
    }
  } else {
    log.info('zalo: off (set ZALO_BOT_TOKEN to turn it on)');
  }
  await startZaloOa(deps, server, intake, connected);
  if (started.stops.length) {
    // rows recorded before a restart are handled now; the intake stops after the channels (no more records)
    await intake.start();
    started.stops.push(() => intake.stop());
  }
  return started;
}

/**
 * The Zalo Official Account, when its app is configured: the signed webhook and the OAuth callback are served at once;
 * the OA reaches citizens (is added to `pushChannels`) once it is connected — now, or when an operator connects it
 * from the console. Anything missing is said in one line.
 */
async function startZaloOa(
  deps: ChannelDeps,
  server: FastifyInstance,
  intake: Intake,
  connected: (output: OutputAdapter, perSecond: number, stop: () => Promise<void>) => void,
): Promise<void> {
  const { config, log } = deps;
  const tokens = deps.zaloOa;
  if (!config.ZALO_OA_APP_ID && !config.ZALO_OA_APP_SECRET && !config.ZALO_OA_SECRET_KEY) {
    log.info('zalo-oa: off (set ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY to turn it on)');
    return;
  }
  const missing = [
    ...(!config.ZALO_OA_APP_ID ? ['ZALO_OA_APP_ID'] : []),
    ...(!config.ZALO_OA_APP_SECRET ? ['ZALO_OA_APP_SECRET'] : []),
    ...(!config.ZALO_OA_SECRET_KEY ? ['ZALO_OA_SECRET_KEY'] : []),
    ...(!config.PUBLIC_URL?.startsWith('https://') ? ['an https PUBLIC_URL (Zalo calls the webhook over https)'] : []),
  ];
  if (missing.length || !tokens) {
    log.error({ missing }, 'zalo-oa: not started: set the missing settings; the other channels keep running');
    return;
  }
  const client = new OaClient({ accessToken: () => tokens.accessToken(), apiBase: config.ZALO_OA_API_BASE });
  const oa = new ZaloOaChannel({
    client,
    appId: config.ZALO_OA_APP_ID!,
    secretKey: config.ZALO_OA_SECRET_KEY!,
    conversation: deps.conversation,
    db: deps.db,
    log,
    intake,
  });
  await oa.startWebhook(server);
  server.get('/zalo-oa/callback', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    try {
      await tokens.finishAuthorisation(String(q.state ?? ''), String(q.code ?? ''));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'zalo-oa: connecting failed');
      return res
        .code(400)
        .type('text/plain; charset=utf-8')
        .send(`Chưa kết nối được Zalo OA: ${(err as Error).message}`);
    }
    deps.pushChannels.add(ZALO_OA_CHANNEL);
    return res.redirect('/console/zalo-oa', 303);
  });
  connected(oa.output, 5, () => oa.stop());
  const { state } = await tokens.state();
  if (state !== 'connected') {
    deps.pushChannels.delete(ZALO_OA_CHANNEL);
    log.warn(
      { connect: `${config.PUBLIC_URL!.replace(/\/$/, '')}/console/zalo-oa` },
      `zalo-oa: ${state}: an operator connects the OA from the console`,
    );
  } else {
    log.info('zalo-oa: connected (webhook)');
  }
}
