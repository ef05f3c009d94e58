/**
 * Daily-lesson delivery at scale, time-compressed: N subscribers due at 08:00, a local fake Telegram that enforces
 * RATE messages/s overall (429 with retry_after past it), workers paced to RATE, on the PostgreSQL server
 * (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres; a scratch database is created and dropped).
 * Prints achieved rate ÷ allowed rate, duplicates, losses, peak memory — then the same with one kill -9 of the
 * worker process half way and a restart.
 *   npx tsx bench/lesson-delivery.ts [subscribers=100000] [rate=3000] [loops=4]
 * Each delivery loop claims 200 rows at a time and keeps 8 messages in flight, through the push engine
 * (src/push/engine.ts: the lesson outbox is one of its sources; sends happen outside any transaction).
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase } from '../tests/helpers/pg.ts';

const [subscribers, rate, workers] = [Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 3000), Number(process.argv[4] ?? 4)];

if (process.env.BENCH_WORKER) {
  // ---- worker process: `loops` concurrent delivery loops on one pool
  const { openPostgres } = await import('../src/db/postgres.ts');
  const { silentLogger } = await import('../src/log.ts');
  const { deliverBatch } = await import('../src/learn/delivery.ts');
  const { DeliveryError } = await import('../src/core/output.ts');
  const { paced } = await import('../src/push/sender.ts');
  const db = await openPostgres(process.env.DATABASE_URL!, silentLogger, workers * 8 + 2);
  const { Pool } = await import('undici');
  // a keep-alive connection pool, as a channel client would use (undici.request costs far less CPU than fetch)
  const api = new Pool(process.env.API!, { connections: workers * 8 });
  const sender = paced(
    {
      async send(to, replies) {
        // like the real Telegram pusher (grammY auto-retry): a 429 waits retry_after and retries that message
        for (const r of replies) {
          for (let attempt = 1; ; attempt++) {
            const res = await api.request({
              path: '/botTOKEN/sendMessage',
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ chat_id: to, text: r.text }),
            });
            const body = (await res.body.json()) as { ok: boolean; parameters?: { retry_after: number } };
            if (res.statusCode !== 429) break;
            if (attempt === 3) throw new DeliveryError('rate-limited', '429', (body.parameters?.retry_after ?? 1) * 1000);
            await new Promise((ok) => setTimeout(ok, (body.parameters?.retry_after ?? 1) * 1000));
          }
        }
      },
    },
    rate,
  );
  // the lessons' clock: 08:00 when the worker starts, then real time (so retries come due)
  const t0 = Date.now();
  const clock = () => new Date(Date.parse(process.env.NOW!) + (Date.now() - t0));
  let peak = 0;
  const mem = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        const r = await deliverBatch({ db, senders: { telegram: sender }, batchSize: 200, concurrency: 8 }, clock());
        if (r.sent + r.retried + r.failed > 0) continue;
        const [left] = await db.query<{ n: number }>(`select count(*)::int as n from outbox where status = 'pending'`);
        if (!left!.n) return;
        await new Promise((ok) => setTimeout(ok, 200)); // retries not yet due
      }
    }),
  );
  clearInterval(mem);
  process.send?.({ peakRss: peak });
  await api.close();
  await db.close();
  process.exit(0);
}

// ---- parent: fake Telegram with a global rate limit, scratch database, runs
const sent = new Map<string, number>();
let firstAt = 0;
let lastAt = 0;
let windowStart = Date.now();
let inWindow = 0;
let limited = 0;
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > rate) {
      limited++;
      res
        .writeHead(429, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 1 } }));
      return;
    }
    const { chat_id } = JSON.parse(raw) as { chat_id: string };
    firstAt ||= now;
    lastAt = now;
    sent.set(chat_id, (sent.get(chat_id) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{"message_id":1}}');
  });
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function run(killHalfWay: boolean) {
  const { createApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { createLogger } = await import('../src/log.ts');
  const { enqueueDue } = await import('../src/learn/subscriptions.ts');
  const database = await createTestDatabase();
  sent.clear();
  limited = 0;
  firstAt = 0;
  const app = await createApp(
    loadConfig({ ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' }),
    createLogger('silent', 'stderr'),
    { progress: () => {} },
  );
  const due = new Date(Date.UTC(2026, 10, 24, 1, 0)); // 08:00 in Vietnam
  await app.db.query(`insert into users (channel, external_id) select 'telegram', g::text from generate_series(1, $1) g`, [subscribers]);
  await app.db.query(
    `insert into subscriptions (user_id, course_id, hour, minute, next_due_at) select id, 'an-toan-tren-mang', 8, 0, $1 from users`,
    [due],
  );
  const t0 = performance.now();
  const { enqueued } = await enqueueDue(app.db, due);
  const enqueueMs = performance.now() - t0;

  const start = () =>
    fork(new URL(import.meta.url).pathname, [String(subscribers), String(rate), String(workers)], {
      env: { ...process.env, BENCH_WORKER: '1', DATABASE_URL: database.url, API: api, NOW: due.toISOString() },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
  let peakRss = 0;
  const started = performance.now();
  let child = start();
  child.on('message', (m: { peakRss: number }) => (peakRss = Math.max(peakRss, m.peakRss)));
  if (killHalfWay) {
    while ([...sent.values()].reduce((a, b) => a + b, 0) < enqueued / 2) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((ok) => child.on('exit', ok));
    child = start();
    child.on('message', (m: { peakRss: number }) => (peakRss = Math.max(peakRss, m.peakRss)));
  }
  await new Promise((ok) => child.on('exit', ok));
  const seconds = (performance.now() - started) / 1000;
  const messages = [...sent.values()].reduce((a, b) => a + b, 0);
  const perChatExpected = 1; // the lesson card with its quiz is one message
  const losses = subscribers - [...sent.keys()].length + [...sent.values()].filter((n) => n < perChatExpected).length;
  const duplicates = [...sent.values()].filter((n) => n > perChatExpected).length;
  await app.close();
  await database.drop();
  return {
    kill9_half_way: killHalfWay,
    subscribers,
    enqueued,
    enqueue_s: Math.round(enqueueMs) / 1000,
    messages,
    seconds: Math.round(seconds * 10) / 10,
    // from the first message to the last (the worker's start-up is not delivery time)
    achieved_per_s: Math.round(messages / ((lastAt - firstAt) / 1000)),
    allowed_per_s: rate,
    ratio: Math.round((messages / ((lastAt - firstAt) / 1000) / rate) * 1000) / 1000,
    rate_limited_429: limited,
    duplicates,
    losses,
    worker_peak_rss_mb: Math.round(peakRss / 1e6),
  };
}

console.log(JSON.stringify(await run(false)));
console.log(JSON.stringify(await run(true)));
server.close();
