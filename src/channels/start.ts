import type { FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { publicBase } from '../app.ts';
import { Intake } from '../intake/intake.ts';
import { learnPictures } from '../learn/pictures.ts';
import type { OutputAdapter } from '../core/output.ts';
import { paced } from '../push/sender.ts';
import { TELEGRAM_CHANNEL, TelegramChannel } from './telegram.ts';
import { ZALO_CHANNEL, ZaloChannel, zaloWebhookSecret } from './zalo/channel.ts';
import { ZaloClient } from './zalo/client.ts';

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
 * one failing never stops the others or the web chat. Webhook routes are added before the server listens.
 */
export async function startChannels(app: App, server: FastifyInstance): Promise<StartedChannels> {
  const { config, log } = app;
  const started: StartedChannels = { adapters: {}, afterListen: [], stops: [] };
  log.info('web chat: on');
  // every webhook or polled update is recorded before it is acknowledged; the replies go out by the push worker
  const intake = new Intake({ db: app.db, log, signal: app.pushSignal, releaseLeasesOnStart: app.db.kind === 'pglite' });
  if (config.TELEGRAM_BOT_TOKEN) {
    try {
      const tg = new TelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        conversation: app.conversation,
        db: app.db,
        log,
        intake,
        images: learnPictures(app.db, config.knowledgeDir, publicBase(config)),
      });
      const name = await tg.init();
      if (config.PUBLIC_URL) {
        const url = await tg.startWebhook(server, config.PUBLIC_URL);
        log.info({ url: url.replace(/\/telegram\/.*/, '/telegram/…') }, `telegram: connected as @${name} (webhook)`);
      } else {
        started.afterListen.push(() => tg.startPolling());
        log.info(`telegram: connected as @${name} (long polling)`);
      }
      started.stops.push(() => tg.stop());
      started.adapters[TELEGRAM_CHANNEL] = paced(tg.output, config.TELEGRAM_PUSH_PER_SECOND);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'telegram: not connected; the other channels keep running');
    }
  } else {
    log.info('telegram: off (set TELEGRAM_BOT_TOKEN to turn it on)');
  }
  if (config.ZALO_BOT_TOKEN) {
    const client = new ZaloClient({ token: config.ZALO_BOT_TOKEN, baseUrl: config.ZALO_API_BASE });
    try {
      const zalo = new ZaloChannel({ client, conversation: app.conversation, db: app.db, log, intake, ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) });
      const name = await zalo.init();
      if (config.PUBLIC_URL) {
        await zalo.startWebhook(server, config.PUBLIC_URL, zaloWebhookSecret(config.ZALO_BOT_TOKEN));
        log.info(`zalo: connected as ${name} (webhook)`);
      } else {
        started.afterListen.push(() => zalo.startPolling());
        log.info(`zalo: connected as ${name} (long polling; messages sent while the bot is down are lost — use PUBLIC_URL in production)`);
      }
      started.stops.push(() => zalo.stop());
      started.adapters[ZALO_CHANNEL] = paced(zalo.output, config.ZALO_PUSH_PER_SECOND);
    } catch (err) {
      await client.close();
      log.error({ err: (err as Error).message }, 'zalo: not connected; the other channels keep running');
    }
  } else {
    log.info('zalo: off (set ZALO_BOT_TOKEN to turn it on)');
  }
  if (started.stops.length) {
    // rows recorded before a restart are handled now; the intake stops after the channels (no more records)
    await intake.start();
    started.stops.push(() => intake.stop());
  }
  return started;
}
