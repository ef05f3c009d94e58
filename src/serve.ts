import type { App } from './app.ts';
import { startChannels } from './channels/start.ts';
import { WEB_CHANNEL } from './channels/web.ts';
import { announceFirstRun } from './console/first-run.ts';
import { CONSOLE_CHANNEL } from './handoff/volunteers.ts';
import { createServer } from './http/server.ts';
import type { Workers } from './push/workers.ts';
import { releaseOrphanClaims, startBackgroundWork } from './workers.ts';

/** The assistant at work: the HTTP server listening, the channels connected, the background jobs running. */
export interface Serving {
  /** Where the HTTP server listens, e.g. `http://127.0.0.1:3000`. */
  address: string;
  /** The process's periodic jobs (kick one to run it now). */
  background: Workers;
  /** The normal stop, each step awaited (see {@link serve}). */
  stop(): Promise<void>;
}

/**
 * Runs `app` as `npm start` does: HTTP server (web chat, webhooks), every configured channel (each one connected or
 * reported), then — once listening — long polling and the background jobs: replies, lessons, relayed messages and
 * announcements through the connected channels' adapters (the web chat and the console's inbox fetch their own), the
 * ticket sweeper, pruning.
 *
 * `stop()` goes in this order: no more webhook or web chat requests (those in progress finish); the background loops
 * end (sends in flight finish, rows not started go back); each polling loop ends, then the intake (turns in flight
 * finish, their replies wait in the outbox for the next start). The database stays open: `app.close()` is the caller's.
 */
export async function serve(app: App, listen: { port: number; host: string }): Promise<Serving> {
  const server = await createServer(app);
  // fills app.pushChannels as each channel connects: what handoff and learn may push to
  const channels = await startChannels(app, server);
  const address = await server.listen(listen);
  for (const startAfterListen of channels.afterListen) startAfterListen();
  await releaseOrphanClaims(app.db);
  await announceFirstRun(app.db, app.log, app.config);
  const background = startBackgroundWork({
    db: app.db,
    senders: channels.adapters,
    log: app.log,
    pushSignal: app.pushSignal,
    handoff: app.handoff,
    pullChannels: [WEB_CHANNEL, CONSOLE_CHANNEL],
    retentionDays: app.config.RETENTION_DAYS,
  });
  return {
    address,
    background,
    async stop() {
      await server.close();
      await background.stop();
      for (const stopChannel of channels.stops) {
        await stopChannel().catch((err: Error) => app.log.error({ err: err.message }, 'a channel did not stop cleanly'));
      }
    },
  };
}
