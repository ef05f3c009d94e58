import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { lastRetentionRun, runRetention, type RetentionRun } from '../src/console/retention.ts';
import { closeConsoleApp, consoleApp, ConsoleClient, seedAccount } from './helpers/console.ts';

let app: App;
let server: FastifyInstance;
beforeAll(async () => ({ app, server } = await consoleApp()));
afterAll(() => closeConsoleApp({ app, server }));

const DAY = 86_400_000;
/** The job's clock: a fixed instant (10:00 in Vietnam), so "today" is one Vietnam day whatever the real time. */
const NOW = new Date('2031-03-10T03:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const OLD = ago(400);
const RECENT = ago(10);

let seq = 0;
const uid = () => `retention-${Date.now().toString(36)}-${++seq}`;

async function user(lastSeen: Date): Promise<number> {
  const [row] = await app.db.query<{ id: string }>(
    `insert into users (channel, external_id, created_at, last_seen_at) values ('telegram', $1, $2, $2) returning id`,
    [uid(), lastSeen],
  );
  return Number(row!.id);
}

async function one<T = { id: string }>(sql: string, params: unknown[]): Promise<T> {
  return (await app.db.query<T & Record<string, unknown>>(sql, params))[0]!;
}
const count = async (sql: string, params: unknown[]) => Number((await one<{ n: string }>(`select count(*) as n from ${sql}`, params)).n);

/** One citizen's rows, each in an old and a recent copy; returns what to look up afterwards. */
async function seedCitizen(at: Date) {
  const citizen = await user(RECENT);
  const guide = (await one<{ id: string }>('select id from guides order by id limit 1', [])).id;
  const message = Number(
    (await one(`insert into messages (user_id, direction, text, created_at) values ($1, 'in', 'câu hỏi', $2) returning id`, [citizen, at]))
      .id,
  );
  const ask = Number(
    (
      await one(
        `insert into asks (user_id, question, confidence, abstained, latency_ms, created_at)
         values ($1, 'quên mật khẩu', 0.2, true, 3, $2) returning id`,
        [citizen, at],
      )
    ).id,
  );
  await app.db.query(`insert into feedback (ask_id, user_id, value, created_at) values ($1, $2, -1, $3)`, [ask, citizen, at]);
  await app.db.query(
    `insert into generations (ask_id, model, prompt_version, outcome, latency_ms, created_at) values ($1, 'm', 'v1', 'ok', 5, $2)`,
    [ask, at],
  );
  const ticket = Number(
    (
      await one(
        `insert into tickets (citizen_id, status, problem, created_at, closed_at)
         values ($1, 'closed', 'không nhận được mã', $2, $2) returning id`,
        [citizen, at],
      )
    ).id,
  );
  await app.db.query(`insert into ticket_messages (ticket_id, sender, text, created_at) values ($1, 'citizen', 'xin chào', $2)`, [
    ticket,
    at,
  ]);
  await app.db.query(`insert into ticket_events (ticket_id, kind, created_at) values ($1, 'closed', $2)`, [ticket, at]);
  const unmet = Number(
    (
      await one(`insert into handoff_unmet (citizen_id, channel, problem, created_at) values ($1, 'web', 'cần giúp', $2) returning id`, [
        citizen,
        at,
      ])
    ).id,
  );
  await app.db.query(`insert into conversation_topics (user_id, guide_id, at) values ($1, $2, $3)`, [citizen, guide, at]);
  const push = Number(
    (
      await one(
        `insert into push_outbox (channel, address, reply, user_id, status, created_at)
         values ('web', $1, '{"text":"x"}', $2, 'pending', $3) returning id`,
        [uid(), citizen, at],
      )
    ).id,
  );
  const inbound = Number(
    (
      await one(
        `insert into inbound_updates (channel, update_key, chat, payload, status, received_at)
         values ('telegram', $1, 'c', '{}', 'failed', $2) returning id`,
        [uid(), at],
      )
    ).id,
  );
  const reviewed = Number(
    (await one(`insert into guide_suggestions (question, answer, status, created_at) values ('q', 'a', 'done', $1) returning id`, [at])).id,
  );
  return { citizen, message, ask, ticket, unmet, push, inbound, reviewed };
}

/** Whether each of a seeded citizen's rows is still there. */
async function present(s: Awaited<ReturnType<typeof seedCitizen>>) {
  return {
    message: await count('messages where id = $1', [s.message]),
    ask: await count('asks where id = $1', [s.ask]),
    feedback: await count('feedback where ask_id = $1', [s.ask]),
    generation: await count('generations where ask_id = $1', [s.ask]),
    ticket: await count('tickets where id = $1', [s.ticket]),
    ticketMessages: await count('ticket_messages where ticket_id = $1', [s.ticket]),
    ticketEvents: await count('ticket_events where ticket_id = $1', [s.ticket]),
    unmet: await count('handoff_unmet where id = $1', [s.unmet]),
    topic: await count('conversation_topics where user_id = $1', [s.citizen]),
    push: await count('push_outbox where id = $1', [s.push]),
    inbound: await count('inbound_updates where id = $1', [s.inbound]),
    reviewed: await count('guide_suggestions where id = $1', [s.reviewed]),
  };
}
const all = (n: 0 | 1) => ({
  message: n,
  ask: n,
  feedback: n,
  generation: n,
  ticket: n,
  ticketMessages: n,
  ticketEvents: n,
  unmet: n,
  topic: n,
  push: n,
  inbound: n,
  reviewed: n,
});

describe('the daily privacy job', { shuffle: false }, () => {
  let run: RetentionRun;

  it("deletes citizens' data older than RETENTION_DAYS, in batches, and keeps the recent, the open and the still-used", async () => {
    const old = await seedCitizen(OLD);
    const recent = await seedCitizen(RECENT);
    const gone = await user(OLD);
    const certified = await user(OLD);
    const course = (await one<{ id: string; title: string }>('select id, title from courses order by id limit 1', [])).id;
    await app.db.query(
      `insert into certificates (code, user_id, course_id, display_name, course_title, issued_at) values ($1, $2, $3, 'An', 'Khóa', $4)`,
      [uid(), certified, course, OLD],
    );
    const waiting = await user(OLD);
    const open = Number(
      (
        await one(
          `insert into tickets (citizen_id, status, problem, created_at, queued_at) values ($1, 'waiting', 'p', $2, $2) returning id`,
          [waiting, OLD],
        )
      ).id,
    );
    const pending = Number(
      (await one(`insert into guide_suggestions (question, answer, status, created_at) values ('q', 'a', 'new', $1) returning id`, [OLD]))
        .id,
    );

    const result = await runRetention(app.db, { days: 365, now: NOW, batch: 2 });
    expect('skipped' in result).toBe(false);
    run = result as RetentionRun;

    expect(await present(old)).toEqual(all(0));
    expect(await present(recent)).toEqual(all(1));
    expect(await count('users where id = $1', [gone])).toBe(0);
    // a certificate stays verifiable, an open request stays open, a saved answer waits for its editor
    expect(await count('users where id = any($1::bigint[])', [[certified, waiting, old.citizen]])).toBe(3);
    expect(await count('tickets where id = $1', [open])).toBe(1);
    expect(await count('guide_suggestions where id = $1', [pending])).toBe(1);

    expect(run).toMatchObject({ day: '2031-03-10', retentionDays: 365 });
    expect(run.deleted).toMatchObject({
      messages: 1,
      asks: 1,
      feedback: 1,
      generations: 1,
      tickets: 1,
      ticket_messages: 1,
      handoff_unmet: 1,
    });
    expect(run.deleted.users).toBeGreaterThanOrEqual(1);
    expect(await lastRetentionRun(app.db)).toEqual(run);
  });

  it('runs at most once a Vietnam day: a second run that day does nothing', async () => {
    const old = await seedCitizen(OLD);
    // 23:59 the same day in Vietnam
    expect(await runRetention(app.db, { days: 365, now: new Date('2031-03-10T16:59:00Z') })).toEqual({ skipped: 'done-today' });
    expect(await present(old)).toEqual(all(1));
    expect(await lastRetentionRun(app.db)).toEqual(run);
  });

  it('RETENTION_DAYS=0 keeps everything', async () => {
    const old = await seedCitizen(ago(3000));
    expect(await runRetention(app.db, { days: 0, now: new Date(NOW.getTime() + 2 * DAY) })).toEqual({ skipped: 'off' });
    expect(await present(old)).toEqual(all(1));
    expect(await lastRetentionRun(app.db)).toEqual(run);
  });

  it('the privacy page shows an operator the setting and the last run; a volunteer gets 403', async () => {
    const operator = await seedAccount(app.db, 'operator');
    const browser = new ConsoleClient(server);
    await browser.login(operator.login, operator.password);
    const page = await browser.get('/console/privacy');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/href="\/console\/privacy"\s+aria-current="page"/);
    expect(page.body).toMatch(/cũ hơn <b>365 ngày<\/b>/);
    expect(page.body).toContain('Ngày 2031-03-10: bắt đầu 2031-03-10 03:00 UTC');
    const flat = page.body.replace(/\s+/g, ' ').replace(/> </g, '><');
    expect(flat).toContain('<td>messages</td><td class="n">1</td></tr><tr><td>feedback</td><td class="n">1</td>');
    expect(page.body).toContain('chữ đã che');

    const volunteer = await seedAccount(app.db, 'volunteer');
    const other = new ConsoleClient(server);
    await other.login(volunteer.login, volunteer.password);
    expect((await other.get('/console/privacy')).statusCode).toBe(403);
    expect(other.lastBody).not.toContain('Riêng tư</a>');
  });
  it('a normal stop of the process ends the run after the batch in hand; the run stays unfinished on record', async () => {
    const old = await seedCitizen(OLD);
    let checks = 0;
    const later = new Date(NOW.getTime() + 5 * DAY);
    const r = (await runRetention(app.db, { days: 365, now: later, batch: 1, stopping: () => checks++ > 0 })) as RetentionRun;
    expect(r.finishedAt).toBeNull();
    expect(r.deleted.messages).toBe(1);
    expect(r.deleted.asks).toBe(0);
    expect((await present(old)).ask).toBe(1);
    expect(await lastRetentionRun(app.db)).toMatchObject({ day: '2031-03-15', finishedAt: null, deleted: { messages: 1 } });
  });
});
