/**
 * Updates per second through the Telegram webhook path on loopback, in one run:
 *   1. Bình Dân's Ask flow (secret check, recorded in the durable intake and answered 200, then the intake worker:
 *      conversation core, retrieval, reply queued in push_outbox, sent via sendMessage by the push worker) — timed
 *      until every reply is out, not only until the 200s,
 *   2. the same Ask flow through the Zalo OA webhook (each delivery signed the real way and checked, recorded, answered
 *      200, then handled; replies as consultation messages to a local fake OA API) — timed the same way,
 *   3. a minimal grammY echo bot behind the same kind of fastify webhook.
 * The Telegram ones send to the same local fake Bot API. Prints JSON with the rates and the Ask/echo ratio.
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
import { OA_WEBHOOK_PATH, ZaloOaChannel } from '../src/channels/zalo-oa/channel.ts';
import { OaClient } from '../src/channels/zalo-oa/client.ts';
import { startFakeTelegram, textUpdate } from '../tests/fakes/telegram.ts';
import { oaEvent, signedDelivery, startFakeOa } from '../tests/fakes/zalo-oa.ts';

const total = Number(process.argv[2] ?? 400);
const concurrency = Number(process.argv[3] ?? 8);
const questions = (await readEvalFile('knowledge/eval/questions.jsonl')).map((l) => l.q);
const fake = await startFakeTelegram();
const [OA_APP, OA_KEY] = ['4321098765432109876', 'oa-secret-key-bench'];

/** A request to post for update `i`. */
type Delivery = (i: number) => { headers: Record<string, string>; body: string };

/** Telegram updates (a question each, 200 chats), with the webhook's secret header when it has one. */
const telegramUpdates =
  (offset: number, secret?: string): Delivery =>
  (i) => ({
    headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify({ update_id: offset + i, ...textUpdate(questions[i % questions.length]!, 10_000 + (i % 200)) }),
  });

async function load(url: string, delivery: Delivery, drained: () => Promise<void> = async () => {}): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const { headers, body } = delivery(next++);
        const res = await fetch(url, { method: 'POST', headers, body });
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
// warm-up (other update ids, so nothing is de-duplicated)
await load(base + path, telegramUpdates(1_000_000, webhookSecret(fake.token)), () => tg.idle());
const sentBefore = fake.sent().length;
const askRate = await load(base + path, telegramUpdates(2_000_000, webhookSecret(fake.token)), () => tg.idle());
const askReplies = fake.sent().length - sentBefore;
await tg.stop();
await server.close();

// 2. the same Ask flow through the Zalo OA webhook: every delivery signed and checked, recorded, answered, sent
const oaApi = await startFakeOa();
const oa = new ZaloOaChannel({
  client: new OaClient({ accessToken: async () => oaApi.accessToken, apiBase: oaApi.apiBase }),
  appId: OA_APP,
  secretKey: OA_KEY,
  conversation: app.conversation,
  db: app.db,
  log: app.log,
});
const oaServer = await createServer(app);
await oa.startWebhook(oaServer);
const oaBase = await oaServer.listen({ port: 0, host: '127.0.0.1' });
const oaEvents =
  (tag: string): Delivery =>
  (i) => {
    const event = oaEvent(OA_APP, 'user_send_text', `84${10_000 + (i % 200)}`, {
      message: { msg_id: `${tag}-${i}`, text: questions[i % questions.length]! },
    });
    const { headers, rawBody } = signedDelivery(event, OA_KEY);
    return { headers, body: rawBody };
  };
await load(oaBase + OA_WEBHOOK_PATH, oaEvents('warm'), () => oa.idle());
const oaSentBefore = oaApi.sent.length;
const oaRate = await load(oaBase + OA_WEBHOOK_PATH, oaEvents('run'), () => oa.idle());
const oaReplies = oaApi.sent.length - oaSentBefore;
await oa.stop();
await oaServer.close();
await oaApi.close();
await app.close();

// 3. minimal grammY echo bot
const echo = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
await echo.init();
echo.on('message:text', (ctx) => ctx.reply(ctx.message.text));
const echoServer = Fastify();
echoServer.post('/hook', webhookCallback(echo, 'fastify'));
const echoBase = await echoServer.listen({ port: 0, host: '127.0.0.1' });
await load(`${echoBase}/hook`, telegramUpdates(3_000_000));
const echoRate = await load(`${echoBase}/hook`, telegramUpdates(4_000_000));
await echoServer.close();
await fake.close();

const r = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    updates: total,
    concurrency,
    ask_updates_per_s: r(askRate),
    ask_replies: askReplies,
    zalo_oa_ask_events_per_s: r(oaRate),
    zalo_oa_replies: oaReplies,
    echo_updates_per_s: r(echoRate),
    ratio: Math.round((askRate / echoRate) * 1000) / 1000,
  }),
);
