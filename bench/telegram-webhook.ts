/**
 * Updates per second through the Telegram webhook path on loopback, in one run:
 *   1. Bình Dân's Ask flow (secret check, recorded in the durable intake and answered 200, then the intake worker:
 *      conversation core, retrieval, reply queued in push_outbox, sent via sendMessage by the push worker) — timed
 *      until every reply is out, not only until the 200s,
 *   2. a minimal grammY echo bot behind the same kind of fastify webhook.
 * Both send their replies to the same local fake Bot API. Prints JSON with both rates and their ratio.
 *   npx tsx bench/telegram-webhook.ts [updates=400] [concurrency=8]
 */
import Fastify from 'fastify';
import { Bot, webhookCallback } from 'grammy';
import { createApp } from '../src/app.ts';
import { TelegramChannel, webhookSecret } from '../src/channels/telegram.ts';
import { readEvalFile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { createServer } from '../src/http/server.ts';
import { createLogger } from '../src/log.ts';
import { startFakeTelegram, textUpdate } from '../tests/fakes/telegram.ts';

const total = Number(process.argv[2] ?? 400);
const concurrency = Number(process.argv[3] ?? 8);
const questions = (await readEvalFile('knowledge/eval/questions.jsonl')).map((l) => l.q);
const fake = await startFakeTelegram();

async function load(
  url: string,
  secret: string | undefined,
  offset: number,
  drained: () => Promise<void> = async () => {},
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const update = { update_id: offset + i, ...textUpdate(questions[i % questions.length]!, 10_000 + (i % 200)) };
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
          body: JSON.stringify(update),
        });
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  await drained();
  return total / ((performance.now() - started) / 1000);
}

// 1. Bình Dân
const app = await createApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), createLogger('silent', 'stderr'), {
  memory: true,
  progress: () => {},
});
const server = await createServer(app);
const tg = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: app.conversation, db: app.db, log: app.log });
await tg.init();
const path = new URL(await tg.startWebhook(server, 'https://bench.local')).pathname;
const base = await server.listen({ port: 0, host: '127.0.0.1' });
await load(base + path, webhookSecret(fake.token), 1_000_000, () => tg.idle()); // warm-up (other update ids, so nothing is de-duplicated)
const sentBefore = fake.sent().length;
const askRate = await load(base + path, webhookSecret(fake.token), 2_000_000, () => tg.idle());
const askReplies = fake.sent().length - sentBefore;
await tg.stop();
await server.close();
await app.close();

// 2. minimal grammY echo bot
const echo = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
await echo.init();
echo.on('message:text', (ctx) => ctx.reply(ctx.message.text));
const echoServer = Fastify();
echoServer.post('/hook', webhookCallback(echo, 'fastify'));
const echoBase = await echoServer.listen({ port: 0, host: '127.0.0.1' });
await load(`${echoBase}/hook`, undefined, 3_000_000);
const echoRate = await load(`${echoBase}/hook`, undefined, 4_000_000);
await echoServer.close();
await fake.close();

const r = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    updates: total,
    concurrency,
    ask_updates_per_s: r(askRate),
    ask_replies: askReplies,
    echo_updates_per_s: r(echoRate),
    ratio: Math.round((askRate / echoRate) * 1000) / 1000,
  }),
);
