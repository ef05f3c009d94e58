import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createServer } from './http/server.ts';
import { createLogger } from './log.ts';
import { startChannels } from './channels/start.ts';
import { startTicketSweeper } from './handoff/timeouts.ts';
import { startLessonWorker } from './learn/worker.ts';
import { startPushWorker } from './push/outbox.ts';

/** `npm start`: config → database → migrations → ingestion → conversation → HTTP server (web chat). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const app = await createApp(config, log);
  const server = await createServer(app);
  const channels = await startChannels(app, server);
  const address = await server.listen({ port: config.PORT, host: config.HOST });
  for (const startAfterListen of channels.afterListen) startAfterListen();
  const pushing = Object.keys(channels.pushers).length > 0;
  const stopLessons = pushing ? startLessonWorker({ db: app.db, senders: channels.pushers, log }) : async () => {};
  // relayed messages and announcements: Telegram/Zalo through this worker, the web chat fetches its own
  const pushes = pushing ? startPushWorker({ db: app.db, senders: channels.pushers, log, signal: app.pushSignal }) : undefined;
  const stopSweeper = startTicketSweeper({ db: app.db, settings: app.handoff, log, kick: () => app.pushSignal.kick() });
  log.info(
    { database: app.db.kind, vector: app.db.hasVector, embeddings: app.embedder.id, answers: 'retrieval (no LLM configured)' },
    `Bình Dân is ready — web chat at ${address.replace('127.0.0.1', 'localhost')}/`,
  );
  const stop = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    stopSweeper();
    await stopLessons();
    await pushes?.stop();
    await Promise.allSettled(channels.stops.map((stop) => stop()));
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`start-up failed: ${(err as Error).message}`);
  process.exit(1);
});
