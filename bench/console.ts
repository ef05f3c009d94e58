/**
 * The console's pages on a big PostgreSQL database: 1,000,000 messages, 100,000 citizens, 20,000 tickets (and asks,
 * feedback, subscriptions, lesson deliveries, unmet requests in proportion), seeded with generate_series in a
 * throw-away database; then every console page is requested `ROUNDS` times as a logged-in operator (or volunteer for
 * the inbox) through the real routes, and the latency of each page (its queries plus rendering) is printed. Before the
 * pages, the daily rollup counts the seeded days that are over (as the background job does each night), timed.
 *   npx tsx bench/console.ts [ROUNDS=20] [--keep]      (needs PostgreSQL: TEST_DATABASE_URL or postgres@127.0.0.1)
 */
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { percentile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { rollUp } from '../src/console/rollup.ts';
import { createServer } from '../src/http/server.ts';
import { silentLogger } from '../src/log.ts';
import { ConsoleClient, seedAccount } from '../tests/helpers/console.ts';

const ROUNDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
const KEEP = process.argv.includes('--keep');
const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `binhdan_console_bench`;
const URL_ = ADMIN.replace(/\/[^/]*$/, `/${NAME}`);
const SIZE = { citizens: 100_000, messages: 1_000_000, asks: 400_000, tickets: 20_000, subscriptions: 20_000, deliveries: 200_000 };

const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
const exists = (await admin.query('select 1 from pg_database where datname = $1', [NAME])).rowCount;
const fresh = !exists;
if (fresh) await admin.query(`create database ${NAME}`);
await admin.end();

const config = loadConfig({ DATABASE_URL: URL_, LOG_LEVEL: 'silent', PORT: '0' });
const app = await createApp(config, silentLogger, { progress: () => {} });
const step = async (what: string, sql: string) => {
  const t = performance.now();
  await app.db.query(sql);
  console.error(`seed ${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
};
const [{ n }] = (await app.db.query<{ n: string }>('select count(*) as n from messages')) as [{ n: string }];
if (Number(n) < SIZE.messages) {
  const ch = `(array['telegram','zalo','web'])[1 + (g % 3)]`;
  const days = 90;
  await step(
    'citizens',
    `insert into users (channel, external_id, created_at, last_seen_at)
     select ${ch}, 'bench-' || g, now() - make_interval(days => g % ${days}), now() - make_interval(hours => g % (24 * ${days}))
       from generate_series(1, ${SIZE.citizens}) g`,
  );
  const user = `(select min(id) from users where external_id like 'bench-%') + (g % ${SIZE.citizens})`;
  await step(
    'messages',
    `insert into messages (user_id, direction, text, created_at)
     select ${user}, case when g % 2 = 0 then 'in' else 'out' end, 'câu hỏi mẫu số ' || (g % 5000) || ' về vneid',
            now() - make_interval(secs => (g * 7.77)::int % (86400 * ${days}))
       from generate_series(1, ${SIZE.messages}) g`,
  );
  await step(
    'asks',
    `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms, created_at)
     select ${user}, 'hoi ve viec so ' || (g % 3000) || ' o xa', (select id from guides order by id limit 1 offset g % 30),
            (g % 100) / 100.0, g % 5 = 0, 8, now() - make_interval(secs => (g * 19.3)::int % (86400 * ${days}))
       from generate_series(1, ${SIZE.asks}) g`,
  );
  await step(
    'feedback',
    `insert into feedback (ask_id, user_id, value, created_at)
     select a.id, a.user_id, case when a.id % 3 = 0 then -1 else 1 end, a.created_at from asks a where a.id % 10 = 0`,
  );
  await step(
    'volunteers',
    `insert into users (channel, external_id) select 'telegram', 'bench-vol-' || g from generate_series(1, 50) g;
     insert into volunteers (user_id, name) select id, 'TNV ' || id from users where external_id like 'bench-vol-%'`,
  );
  await step(
    'tickets',
    `insert into tickets (citizen_id, status, problem, volunteer_id, created_at, queued_at, claimed_at, first_response_at,
                          closed_at, rating)
     select ${user}, case when g <= 30 then 'waiting' else 'closed' end, 'can giup viec ' || (g % 500),
            case when g <= 30 then null else (select min(id) from volunteers) + (g % 50) end,
            t, t, t + interval '3 minutes', t + interval '5 minutes', t + interval '20 minutes', 1 + g % 5
       from (select g, now() - make_interval(secs => (g * 311)::int % (86400 * ${days})) as t
               from generate_series(1, ${SIZE.tickets}) g) s
     on conflict do nothing`,
  );
  await step(
    'ticket messages',
    `insert into ticket_messages (ticket_id, sender, text, created_at)
     select t.id, case when k % 2 = 0 then 'citizen' else 'volunteer' end, 'tin nhan ' || k, t.created_at + make_interval(mins => k)
       from tickets t, generate_series(1, 4) k`,
  );
  await step(
    'unmet',
    `insert into handoff_unmet (citizen_id, channel, problem, created_at)
     select ${user}, 'web', 'khong co ai ' || (g % 100), now() - make_interval(secs => (g * 97)::int % (86400 * ${days}))
       from generate_series(1, 5000) g`,
  );
  await step(
    'subscriptions',
    `insert into subscriptions (user_id, course_id, hour, minute, next_due_at, created_at)
     select ${user}, (select id from courses order by id limit 1 offset g % greatest(1, (select count(*) from courses))), g % 24, 0,
            now() + interval '1 day', now() - make_interval(days => g % ${days})
       from generate_series(1, ${SIZE.subscriptions}) g on conflict do nothing`,
  );
  await step(
    'deliveries',
    `insert into outbox (subscription_id, course_id, position, local_date, channel, external_id, due_at, status, attempts,
                         next_attempt_at, sent_at)
     select s.id, s.course_id, 1 + d % 5, (now() - make_interval(days => d))::date, 'telegram', 'x',
            now() - make_interval(days => d),
            case when (s.id + d) % 50 = 0 then 'failed' else 'sent' end, 1 + ((s.id + d) % 7 = 0)::int, now(),
            now() - make_interval(days => d)
       from subscriptions s, generate_series(0, 9) d
     on conflict do nothing`,
  );
  await step('analyze', 'analyze');
}

// the daily rollup, as the background job does it once each day is over (all 90 seeded days at once here)
const rollupStarted = performance.now();
await app.db.query('delete from report_rollup');
await app.db.query('truncate report_counts, report_active');
const rolledDays = await rollUp(app.db);
const rollupMs = Math.round(performance.now() - rollupStarted);
console.error(`rollup: ${rolledDays} days in ${(rollupMs / 1000).toFixed(1)} s`);

const server = await createServer(app);
const operator = await seedAccount(app.db, 'operator');
const volunteer = await seedAccount(app.db, 'volunteer');
const asOperator = new ConsoleClient(server);
await asOperator.login(operator.login, operator.password);
const asVolunteer = new ConsoleClient(server);
await asVolunteer.login(volunteer.login, volunteer.password);

const PAGES: [ConsoleClient, string][] = [
  [asOperator, '/console'],
  [asOperator, '/console?from=2026-01-01&to=2026-12-31'],
  [asOperator, '/console/unanswered'],
  [asOperator, '/console/guides'],
  [asOperator, '/console/learning'],
  [asOperator, '/console/desk'],
  [asOperator, '/console/privacy'],
  [asOperator, '/console/accounts'],
  [asOperator, '/console/audit'],
  [asVolunteer, '/console/inbox'],
];
const results: Record<string, { status: number; p50: number; p95: number; max: number }> = {};
for (const [client, path] of PAGES) {
  const ms: number[] = [];
  let status = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    status = (await client.get(path)).statusCode;
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  results[path] = { status, p50: r(percentile(ms, 0.5)), p95: r(percentile(ms, 0.95)), max: r(ms.at(-1)!) };
}
await server.close();
await app.close();
if (!KEEP) {
  const again = new pg.Client({ connectionString: ADMIN });
  await again.connect();
  await again.query(`drop database if exists ${NAME} with (force)`);
  await again.end();
}
console.log(
  JSON.stringify({ size: SIZE, rounds: ROUNDS, seeded_now: fresh, rollup: { days: rolledDays, ms: rollupMs }, pages_ms: results }, null, 1),
);
