import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { createServer } from '../src/http/server.ts';
import { deliverPushes, enqueuePush, pushSource, startPushWorker } from '../src/push/outbox.ts';
import { prunePushes } from '../src/push/prune.ts';
import { startBackgroundWork } from '../src/workers.ts';
import type { Reply } from '../src/core/message.ts';
import { deliverBatch } from '../src/learn/delivery.ts';
import { DeliveryError, type Sender } from '../src/core/output.ts';
import { paced } from '../src/push/sender.ts';
import { enqueueDue } from '../src/learn/subscriptions.ts';
import { startLessonWorker } from '../src/learn/worker.ts';
import { parseTimeOfDay } from '../src/learn/time.ts';
import { nextLocalTime } from '../src/time/vietnam.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { silentLogger } from '../src/log.ts';
import { memoryApp, serverAppFor } from './helpers/app.ts';
import { pgAvailable } from './helpers/pg.ts';
import { waitUntil } from './helpers/wait.ts';

/** 2026-11-24 00:00 in Vietnam is 2026-11-23 17:00 UTC. */
const vn = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 10, day, hour - 7, minute));

class RecordingSender implements Sender {
  pushed: { to: string; replies: Reply[] }[] = [];
  failWith: DeliveryError[] = [];
  async send(to: string, replies: Reply[]) {
    const err = this.failWith.shift();
    if (err) throw err;
    this.pushed.push({ to, replies });
  }
}

describe('pacing pushes', () => {
  it('keeps a second message to the same chat a second after the first, without holding other chats back', async () => {
    const at: { to: string; t: number }[] = [];
    const sender = paced({ send: async (to) => void at.push({ to, t: Date.now() }) }, 100);
    const t0 = Date.now();
    await Promise.all([
      sender.send('a', [{ text: '1' }, { text: '2' }]),
      sender.send('b', [{ text: '1' }]),
      sender.send('c', [{ text: '1' }]),
    ]);
    const times = (to: string) => at.filter((x) => x.to === to).map((x) => x.t - t0);
    expect(times('a')).toHaveLength(2);
    expect(times('a')[1]! - times('a')[0]!).toBeGreaterThanOrEqual(995);
    expect(Math.max(...times('b'), ...times('c'))).toBeLessThan(200); // 100/s overall: 10 ms apart
  });
});

describe('times citizens type', () => {
  it.each([
    ['7h30', 7, 30],
    ['7:30', 7, 30],
    ['7 giờ 30', 7, 30],
    ['19h', 19, 0],
    ['8 giờ tối', 20, 0],
    ['7h sáng', 7, 0],
    ['20g', 20, 0],
    ['lúc 6h', 6, 0],
  ])('%s → %i:%i', (text, h, m) => expect(parseTimeOfDay(text)).toEqual({ hour: h, minute: m }));
  it('rejects what is not a time', () => {
    for (const t of ['25h', 'quên mật khẩu', '7h75', '']) expect(parseTimeOfDay(t)).toBeUndefined();
  });
  it('finds the next local hour in Vietnam (UTC+7)', () => {
    expect(nextLocalTime(vn(23, 6), 7, 0).toISOString()).toBe(vn(23, 7).toISOString());
    expect(nextLocalTime(vn(23, 7), 7, 0).toISOString()).toBe(vn(24, 7).toISOString());
  });
});

// one story told in steps: each step starts where the last one ended, so they run in order
describe('daily lessons on the embedded database', { shuffle: false }, () => {
  let app: App;
  let clock = vn(23, 9);
  const sender = new RecordingSender();
  const user = 'tg-700';
  beforeAll(async () => {
    app = await memoryApp();
    app.pushChannels.add('telegram'); // as if Telegram had connected: the turns below come from a Telegram user
  });
  afterAll(() => app?.close());
  const say = (text: string) => app.conversation.handle({ channel: 'telegram', userId: user, kind: 'text', text });
  const press = (choice: string) => app.conversation.handle({ channel: 'telegram', userId: user, kind: 'choice', choice });
  const deliver = () => deliverBatch({ db: app.db, senders: { telegram: sender } }, clock);

  it('subscribes through the chat: a course, then an hour typed as "7h30"', async () => {
    const [courses] = await say('/dangky');
    expect(courses!.choices![0]!.id).toBe('sub:vneid-tu-a-den-z');
    const [hours] = await press('sub:vneid-tu-a-den-z');
    expect(hours!.choices!.map((c) => c.label)).toContain('⏰ 7h');
    const [ok] = await say('7h30');
    expect(ok!.text).toMatch(/Đã đăng ký! Mỗi ngày lúc \*\*7h30\*\*/);
    // move the subscription onto the test clock: due at 07:30 on the 24th
    await app.db.query(`update subscriptions set next_due_at = $1`, [vn(24, 7, 30)]);
  });

  it('enqueues nothing before the hour, exactly one lesson at the hour, and nothing more when run again', async () => {
    clock = vn(24, 7, 29);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(0);
    clock = vn(24, 7, 30);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(1);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(0);
    const [sub] = await app.db.query<{ next_due_at: Date }>('select next_due_at from subscriptions');
    expect(sub!.next_due_at.toISOString()).toBe(vn(25, 7, 30).toISOString());
  });

  it('sends the lesson with its quiz as one message; the quiz can then be answered by typing a number', async () => {
    expect(await deliver()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(sender.pushed).toHaveLength(1);
    const [lesson, ...more] = sender.pushed[0]!.replies;
    expect(more).toEqual([]);
    expect(lesson!.text).toMatch(/Bài 1\/7[\s\S]*❓/);
    expect(lesson!.choices!.length).toBeGreaterThanOrEqual(2);
    expect(await deliver()).toEqual({ sent: 0, retried: 0, failed: 0 });
    const [verdict] = await say('1');
    expect(verdict!.text).toMatch(/Đúng rồi|Chưa đúng/);
  });

  it('next day sends lesson 2; a 429 waits retry_after; a blocked user is paused, not retried', async () => {
    clock = vn(25, 7, 30);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(1);
    sender.failWith.push(new DeliveryError('rate-limited', '429', 5000));
    expect(await deliver()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await deliver()).toEqual({ sent: 0, retried: 0, failed: 0 }); // still waiting
    clock = new Date(clock.getTime() + 5000);
    expect(await deliver()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(sender.pushed.at(-1)!.replies[0]!.text).toMatch(/Bài 2\/7/);

    clock = vn(26, 7, 30);
    await enqueueDue(app.db, clock);
    sender.failWith.push(new DeliveryError('blocked', '403: bot was blocked by the user'));
    expect(await deliver()).toEqual({ sent: 0, retried: 0, failed: 1 });
    const [sub] = await app.db.query<{ paused: string }>('select paused from subscriptions');
    expect(sub!.paused).toBe('blocked');
    clock = vn(27, 7, 30);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(0);
  });

  it('skips lessons that became too late while the service was down, and /huy stops them', async () => {
    await app.db.query(`update subscriptions set paused = null, next_due_at = $1`, [vn(27, 7, 30)]);
    await app.db.query(`update users set reachable = true`);
    clock = vn(27, 20, 0); // 12.5 hours late
    expect(await enqueueDue(app.db, clock)).toMatchObject({ enqueued: 0, skipped: 1 });
    const [stop] = await say('/huy');
    expect(stop!.text).toMatch(/Đã dừng/);
    clock = vn(28, 7, 30);
    expect((await enqueueDue(app.db, clock)).enqueued).toBe(0);
  });
});

describe('pausing and quiet hours', () => {
  let app: App;
  const sender = new RecordingSender();
  const user = 'tg-800';
  // each test starts from its own database: the subscription's state is what the test says, whatever ran before
  beforeEach(async () => {
    app = await memoryApp();
    await app.conversation.handle({ channel: 'telegram', userId: user, kind: 'text', text: '/start' });
    await app.db.query(
      `insert into subscriptions (user_id, course_id, hour, minute, next_due_at)
       select id, 'dien-thoai-thong-minh', 8, 0, $1 from users where external_id = $2`,
      [vn(24, 8), user],
    );
    await app.db.query('update users set last_seen_at = $1 where external_id = $2', [vn(24, 0), user]);
  });
  afterEach(() => app?.close());
  const day = async (d: number, hour = 8) => {
    const at = vn(d, hour);
    const e = await enqueueDue(app.db, at);
    const r = await deliverBatch({ db: app.db, senders: { telegram: sender } }, at);
    return { ...e, ...r };
  };

  it('after three lessons with no reply, sends one friendly note and pauses; any reply resumes', async () => {
    for (const d of [24, 25, 26]) expect(await day(d)).toMatchObject({ enqueued: 1, sent: 1, paused: 0 });
    expect(await day(27)).toMatchObject({ enqueued: 1, sent: 1, paused: 1 });
    expect(sender.pushed.at(-1)!.replies[0]!.text).toMatch(/tạm dừng gửi bài/);
    expect(await day(28)).toMatchObject({ enqueued: 0, sent: 0 });
    await app.conversation.handle({ channel: 'telegram', userId: user, kind: 'text', text: 'mình đây' });
    const [sub] = await app.db.query<{ paused: string | null }>('select paused from subscriptions');
    expect(sub!.paused).toBeNull();
  });

  it('holds a retried lesson that would arrive at night until 07:00', async () => {
    await app.db.query(`update subscriptions set paused = null, next_due_at = $1`, [vn(29, 8)]);
    await app.db.query('update users set last_seen_at = $1', [vn(29, 7)]);
    await enqueueDue(app.db, vn(29, 8));
    sender.failWith.push(new DeliveryError('transient', 'network'));
    expect(await deliverBatch({ db: app.db, senders: { telegram: sender } }, vn(29, 8))).toMatchObject({ retried: 1 });
    await app.db.query(`update outbox set next_attempt_at = $1 where status = 'pending'`, [vn(29, 22)]);
    expect(await deliverBatch({ db: app.db, senders: { telegram: sender } }, vn(29, 22))).toMatchObject({ sent: 0 });
    const [row] = await app.db.query<{ next_attempt_at: Date }>(`select next_attempt_at from outbox where status = 'pending'`);
    expect(row!.next_attempt_at.toISOString()).toBe(vn(30, 7).toISOString());
    expect(await deliverBatch({ db: app.db, senders: { telegram: sender } }, vn(30, 7))).toMatchObject({ sent: 1 });
  });
});

describe('the push engine on the embedded database', () => {
  let app: App;
  let http: FastifyInstance;
  let base = '';
  beforeAll(async () => {
    app = await memoryApp();
    http = await createServer(app);
    base = (await http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
  });
  beforeEach(async () => {
    await app.db.query('delete from push_outbox');
  });
  const webTurn = async (text: string) => {
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session: 'engine-web', text }),
    });
    expect(res.status).toBe(200);
    await res.json();
  };
  const pending = async () =>
    (await app.db.query<{ n: number }>(`select count(*)::int as n from push_outbox where status = 'pending'`))[0]!.n;

  it('a web turn does not wait for a push in flight (a 2-second send)', async () => {
    await webTurn('quen mat khau vneid'); // warm
    let started = 0;
    let finished = 0;
    const slow: Sender = {
      async send() {
        started = Date.now();
        await new Promise((ok) => setTimeout(ok, 2000));
        finished = Date.now();
      },
    };
    const worker = startPushWorker({ db: app.db, senders: { telegram: slow }, log: silentLogger, intervalMs: 60_000 });
    await enqueuePush(app.db, { channel: 'telegram', address: '4242', reply: { text: 'Tin nhắn của tình nguyện viên' } });
    worker.kick();
    await waitUntil(() => started > 0, 'the push started');
    await webTurn('quen mat khau vneid');
    const turnDone = Date.now();
    // the turn ended while the send was still out: it did not queue behind the push (before: ≈ 2 s)
    expect(finished, `turn done ${turnDone - started} ms after the push started`).toBe(0);
    await worker.idle();
    expect(finished).toBeGreaterThan(turnDone);
    await worker.stop();
    expect(await pending()).toBe(0);
  });

  it('keeps one chat in order: a retried message is never overtaken, other chats go on', async () => {
    const got: string[] = [];
    let failNext = true;
    const sender: Sender = {
      async send(to, replies) {
        if (to === 'A' && failNext) {
          failNext = false;
          throw new DeliveryError('transient', 'network');
        }
        got.push(`${to}:${replies[0]!.text}`);
      },
    };
    await enqueuePush(app.db, ...['1', '2', '3'].map((n) => ({ channel: 'zalo', address: 'A', reply: { text: n } })), {
      channel: 'zalo',
      address: 'B',
      reply: { text: '1' },
    });
    const t0 = new Date(Date.now() + 1);
    const at = (ms: number) => deliverPushes(app.db, { zalo: sender }, { now: () => new Date(t0.getTime() + ms) });
    expect(await at(0)).toEqual({ sent: 1, retried: 1, failed: 0 });
    expect(got).toEqual(['B:1']);
    expect(await at(1000)).toEqual({ sent: 0, retried: 0, failed: 0 }); // A:1 backs off 2 s; A:2 and A:3 wait behind it
    for (let i = 0; i < 3; i++) await at(2500);
    expect(got).toEqual(['B:1', 'A:1', 'A:2', 'A:3']);
  });

  it('after a 429 the channel waits retry_after across batches; its other rows stay untouched meanwhile', async () => {
    const got: string[] = [];
    let limited = false;
    const sender: Sender = {
      async send(to) {
        if (!limited) {
          limited = true;
          throw new DeliveryError('rate-limited', '429', 300);
        }
        got.push(to);
      },
    };
    const pauses = new Map<string, number>();
    const deliver = () => deliverPushes(app.db, { zalo: sender }, { pauses, now: () => new Date(Date.now() + 1) });
    await enqueuePush(app.db, { channel: 'zalo', address: 'R1', reply: { text: 'x' } });
    expect(await deliver()).toEqual({ sent: 0, retried: 1, failed: 0 });
    await enqueuePush(app.db, { channel: 'zalo', address: 'R2', reply: { text: 'x' } });
    expect(await deliver()).toEqual({ sent: 0, retried: 0, failed: 0 }); // another chat, same channel: paused too
    const [r2] = await app.db.query<{ attempts: number; claim_token: string | null }>(
      `select attempts, claim_token from push_outbox where address = 'R2'`,
    );
    expect(r2).toEqual({ attempts: 0, claim_token: null });
    await new Promise((ok) => setTimeout(ok, 350));
    expect(await deliver()).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(got.sort()).toEqual(['R1', 'R2']);
  });

  it('marks a row only while the claim is ours', async () => {
    await enqueuePush(app.db, { channel: 'zalo', address: 'T1', reply: { text: 'x' } });
    const [row] = await pushSource.claim(app.db, { channels: ['zalo'], limit: 10, leaseMs: 60_000, token: 'mine', now: new Date() });
    expect(row!.address).toBe('T1');
    await pushSource.markSent(app.db, row!, [row!.reply], 'someone-else', new Date());
    await pushSource.markFailed(app.db, row!, 'someone-else', { attempts: 1, error: new DeliveryError('permanent', 'x') });
    expect(await app.db.query(`select status, claim_token from push_outbox where id = $1`, [row!.id])).toEqual([
      { status: 'pending', claim_token: 'mine' },
    ]);
    await pushSource.markSent(app.db, row!, [row!.reply], 'mine', new Date());
    expect(await app.db.query(`select status, claim_token from push_outbox where id = $1`, [row!.id])).toEqual([
      { status: 'sent', claim_token: null },
    ]);
  });

  it('stores pushed text redacted: ID numbers, phone numbers and codes never reach push_outbox', async () => {
    await enqueuePush(app.db, {
      channel: 'web',
      address: 'redact-web',
      reply: { text: 'Bác gọi 0912 345 678, số CCCD 001234567890, mã OTP 483920. Tổng đài 1900 0368.' },
    });
    const [row] = await app.db.query<{ reply: { text: string } }>(`select reply from push_outbox where address = 'redact-web'`);
    expect(row!.reply.text).toBe('Bác gọi [số điện thoại], số CCCD [số định danh], mã OTP [mã]. Tổng đài 1900 0368.');
  });

  it('prunes delivered, failed and unfetched web rows past the retention; keeps pending pushes and recent rows', async () => {
    await app.db.query(`delete from push_outbox`);
    const old = new Date(Date.now() - 8 * 86_400_000);
    const row = (channel: string, address: string, status: string, created: Date) =>
      app.db.query(`insert into push_outbox (channel, address, reply, status, created_at) values ($1, $2, '{"text":"x"}', $3, $4)`, [
        channel,
        address,
        status,
        created,
      ]);
    await row('telegram', 'old-sent', 'sent', old);
    await row('zalo', 'old-failed', 'failed', old);
    await row('web', 'old-web', 'pending', old);
    await row('telegram', 'old-pending', 'pending', old);
    await row('telegram', 'new-sent', 'sent', new Date());
    expect(await prunePushes(app.db, { pullChannels: ['web'] })).toMatchObject({ pushes: 3 });
    const left = await app.db.query<{ address: string }>(`select address from push_outbox order by address`);
    expect(left.map((r) => r.address)).toEqual(['new-sent', 'old-pending']);
  });

  it('runs every background job in one runner: a kicked push goes out at once, stop ends them all (twice is fine)', async () => {
    const got: string[] = [];
    const senders = { telegram: { send: async (to: string) => void got.push(to) } };
    const { db, pushSignal, handoff } = app;
    const work = startBackgroundWork({ db, senders, log: silentLogger, pushSignal, handoff, pullChannels: ['web'] });
    await enqueuePush(app.db, { channel: 'telegram', address: 'kicked', reply: { text: 'x' } });
    app.pushSignal.kick();
    await waitUntil(() => got.includes('kicked'), 'the kicked push', 1500); // the push interval is 2 s
    await Promise.all([work.stop(), work.stop()]);
    await work.stop();
  });
});

const serverUp = await pgAvailable();

describe.skipIf(!serverUp)('two workers on the PostgreSQL server', () => {
  // a database per test: the lesson queue is global (a worker takes whatever is due), so tests must not share one
  const server = serverAppFor({ beforeAll: beforeEach, afterAll: afterEach });
  /**
   * Lesson 1 due now for new Zalo users with these ids (their subscriptions next due a year after the real clock:
   * a fixed date would come due — and be scheduled by a worker running on the real clock — once the calendar passes it).
   */
  const queueZalo = async (names: string[], due: Date) => {
    const { db } = server.app;
    await db.query(`insert into users (channel, external_id) select 'zalo', unnest($1::text[])`, [names]);
    await db.query(
      `with s as (insert into subscriptions (user_id, course_id, hour, minute, next_due_at)
                  select id, 'vneid-tu-a-den-z', 22, 0, $2 from users
                   where channel = 'zalo' and external_id = any($1::text[]) returning id, user_id)
       insert into outbox (subscription_id, course_id, position, local_date, channel, external_id, due_at, next_attempt_at)
       select s.id, 'vneid-tu-a-den-z', 1, ($3::timestamptz at time zone 'Asia/Ho_Chi_Minh')::date, 'zalo', u.external_id, $3, $3
         from s join users u on u.id = s.user_id`,
      [names, new Date(Date.now() + 365 * 86_400_000), due],
    );
  };

  it('a worker killed with SIGKILL mid-batch and restarted loses nothing and repeats at most the messages in flight', async () => {
    const { spawn } = await import('node:child_process');
    const { startFakeTelegram } = await import('./fakes/telegram.ts');
    const fake = await startFakeTelegram();
    const due = vn(25, 8);
    await server.app.db.query(
      `insert into users (channel, external_id) select 'telegram', (900000 + g)::text from generate_series(1, 150) g`,
    );
    await server.app.db.query(
      `insert into subscriptions (user_id, course_id, hour, minute, next_due_at)
       select id, 'dich-vu-cong-truc-tuyen', 8, 0, $1 from users where external_id ~ '^9[0-9]{5}$'`,
      [due],
    );
    expect((await enqueueDue(server.app.db, due)).enqueued).toBe(150);
    const worker = () =>
      spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/lesson-worker.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: server.url,
          TELEGRAM_BOT_TOKEN: fake.token,
          TELEGRAM_API_ROOT: fake.apiRoot,
          NOW: due.toISOString(),
        },
        stdio: 'ignore',
      });
    const first = worker();
    await fake.waitFor(() => fake.sent().length >= 100, 60_000);
    first.kill('SIGKILL');
    await new Promise((ok) => first.on('exit', ok));
    const second = worker();
    const code = await new Promise((ok) => second.on('exit', ok));
    expect(code).toBe(0);

    const perChat = new Map<number, number>();
    for (const c of fake.sent()) perChat.set(Number(c.body.chat_id), (perChat.get(Number(c.body.chat_id)) ?? 0) + 1);
    expect(perChat.size).toBe(150); // nothing lost
    const repeated = [...perChat.values()].filter((n) => n !== 1);
    expect(repeated.length).toBeLessThanOrEqual(2); // only the lessons in flight at the kill can repeat (concurrency 2)
    const [row] = await server.app.db.query<{ sent: number; pending: number }>(
      `select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'pending')::int as pending
         from outbox o join subscriptions s on s.id = o.subscription_id where s.course_id = 'dich-vu-cong-truc-tuyen'`,
    );
    expect(row).toEqual({ sent: 150, pending: 0 });
    await fake.close();
  });

  it('deliver 1,000 due lessons exactly once', async () => {
    const due = vn(24, 8);
    await server.app.db.query(`insert into users (channel, external_id) select 'telegram', 'bulk-' || g from generate_series(1, 1000) g`);
    await server.app.db.query(
      `insert into subscriptions (user_id, course_id, hour, minute, next_due_at)
       select id, 'an-toan-tren-mang', 8, 0, $1 from users where external_id like 'bulk-%'`,
      [due],
    );
    expect((await enqueueDue(server.app.db, due)).enqueued).toBe(1000);

    const counts = new Map<string, number>();
    const sender: Sender = {
      async send(to) {
        counts.set(to, (counts.get(to) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, Math.random() * 2));
      },
    };
    const workers = await Promise.all([openPostgres(server.url, silentLogger, 2), openPostgres(server.url, silentLogger, 2)]);
    const work = async (db: (typeof workers)[number]) => {
      let total = 0;
      for (;;) {
        const r = await deliverBatch({ db, senders: { telegram: sender }, batchSize: 25 }, due);
        total += r.sent;
        if (r.sent + r.retried + r.failed === 0) return total;
      }
    };
    const [a, b] = await Promise.all(workers.map(work));
    await Promise.all(workers.map((w) => w.close()));
    expect(a! + b!).toBe(1000);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [row] = await server.app.db.query<{ n: number }>(
      `select count(*)::int as n from outbox where status = 'sent' and course_id = 'an-toan-tren-mang'`,
    );
    expect(row!.n).toBe(1000);
  });

  it('hands claimed rows back: at once after a 429, and when the lease ends after a crash', async () => {
    const { db } = server.app;
    const now = vn(26, 8);
    const queue = (names: string[]) => queueZalo(names, now);
    await queue(['lease-1', 'lease-2', 'lease-3']);
    const got: string[] = [];
    let limited = false;
    const sender: Sender = {
      async send(to) {
        if (!limited) {
          limited = true;
          throw new DeliveryError('rate-limited', 'Too Many Requests', 60_000);
        }
        got.push(to);
      },
    };
    const deliver = (s: Sender, leaseMs = 180_000) => deliverBatch({ db, senders: { zalo: s }, concurrency: 1, leaseMs }, now);
    expect(await deliver(sender)).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(await deliver(sender)).toEqual({ sent: 2, retried: 0, failed: 0 }); // not held for the lease
    expect(got).toEqual(['lease-2', 'lease-3']);

    // a worker that dies mid-batch: one message in flight (never answered), one not yet started
    await queue(['lease-4', 'lease-5']);
    void deliver({ send: () => new Promise<void>(() => {}) }, 300);
    await new Promise((ok) => setTimeout(ok, 50));
    expect(await deliver(sender, 300)).toEqual({ sent: 0, retried: 0, failed: 0 }); // still leased
    await new Promise((ok) => setTimeout(ok, 400));
    expect(await deliver(sender, 300)).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(got.slice(2)).toEqual(['lease-4', 'lease-5']);

    // lease-1 waits out its retry_after (a minute) — and then goes out: nothing is left for the tests that follow
    const at = (ms: number) => deliverBatch({ db, senders: { zalo: sender }, concurrency: 1 }, new Date(now.getTime() + ms));
    expect(await at(59_000)).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(await at(60_000)).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(got.at(-1)).toBe('lease-1');
  });

  it(
    'a normal stop (SIGTERM) finishes the sends in flight and hands back the rest: ' +
      'nothing sent twice, nothing left claimed, the rest sent later',
    async () => {
      const { db } = server.app;
      const names = Array.from({ length: 120 }, (_, i) => `stop-${i}`);
      await queueZalo(names, new Date(Date.now() - 60_000));
      const counts = new Map<string, number>();
      const sender: Sender = {
        async send(to) {
          // only this test's rows count: the worker runs on the real clock and takes whatever is due in the database
          if (!to.startsWith('stop-')) return;
          counts.set(to, (counts.get(to) ?? 0) + 1);
          await new Promise((ok) => setTimeout(ok, 10));
        },
      };
      const stop = startLessonWorker({ db, senders: { zalo: sender }, log: silentLogger, intervalMs: 60_000 });
      await waitUntil(() => counts.size >= 5, 'first lessons');
      await stop();
      const state = async () =>
        (
          await db.query<{ sent: number; pending: number; leased: number }>(
            `select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'pending')::int as pending,
                count(*) filter (where status = 'pending' and claimed_until is not null)::int as leased
           from outbox where external_id like 'stop-%'`,
          )
        )[0]!;
      const after = await state();
      expect(after.sent).toBe(counts.size);
      expect(after.sent).toBeLessThan(120); // it stopped…
      expect(after).toMatchObject({ pending: 120 - after.sent, leased: 0 }); // …with nothing held
      const again = startLessonWorker({ db, senders: { zalo: sender }, log: silentLogger, intervalMs: 60_000 });
      await waitUntil(() => counts.size === 120, 'the rest');
      await again();
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(await state()).toEqual({ sent: 120, pending: 0, leased: 0 });
    },
  );
});
