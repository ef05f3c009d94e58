import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { REFUSAL } from '../src/ask/render.ts';
import { CSV_NOTE } from '../src/console/charts.ts';
import { createServer } from '../src/http/server.ts';
import { SCAM_WARNING } from '../src/safety/texts.ts';
import { memoryApp } from './helpers/app.ts';
import { ConsoleClient, seedAccount } from './helpers/console.ts';

let app: App;
let server: FastifyInstance;
let operator: ConsoleClient;
let course: { id: string; title: string };
const RANGE = 'from=2026-03-01&to=2026-03-02';
/** Vietnam local time → an instant. */
const vn = (local: string) => `${local}+07:00`;

async function user(channel: string, name: string): Promise<number> {
  const [row] = await app.db.query<{ id: string }>(`insert into users (channel, external_id) values ($1, $2) returning id`, [
    channel,
    `reports-${name}-${Math.random().toString(36).slice(2)}`,
  ]);
  return Number(row!.id);
}

/** The number on the figure card labelled `label`. */
function figure(body: string, label: string): string {
  const m = new RegExp(`<b>([^<]*)</b>${label}`).exec(body);
  if (!m) throw new Error(`no figure "${label}" on the page`);
  return m[1]!;
}

beforeAll(async () => {
  app = await memoryApp();
  server = await createServer(app);
  const [first] = await app.db.query<{ id: string; title: string }>('select id, title from courses order by ord limit 1');
  course = first!;
  const db = app.db;
  const u1 = await user('telegram', 'u1');
  const u2 = await user('zalo', 'u2');
  const u3 = await user('web', 'u3');
  const msg = (u: number, dir: string, text: string, at: string) =>
    db.query('insert into messages (user_id, direction, text, created_at) values ($1, $2, $3, $4)', [u, dir, text, vn(at)]);
  await msg(u1, 'in', 'quên mật khẩu', '2026-03-01T00:10:00');
  await msg(u2, 'in', 'có người gọi bảo nâng cấp mức 2', '2026-03-01T09:00:00');
  await msg(u2, 'out', SCAM_WARNING, '2026-03-01T09:00:01');
  await msg(u1, 'in', 'làm giả căn cước', '2026-03-02T10:00:00');
  await msg(u1, 'out', REFUSAL.text, '2026-03-02T10:00:01');
  await msg(u3, 'in', 'ngoài khoảng', '2026-02-28T23:30:00');
  const ask = (u: number, q: string, abstained: boolean, at: string) =>
    db.query('insert into asks (user_id, question, confidence, abstained, latency_ms, created_at) values ($1, $2, $3, $4, 1, $5)', [
      u,
      q,
      abstained ? 0 : 0.9,
      abstained,
      vn(at),
    ]);
  await ask(u1, 'quên mật khẩu', false, '2026-03-01T00:10:00'); // 2026-02-28 in UTC, 1 March in Vietnam
  await ask(u2, 'có người gọi bảo nâng cấp mức 2', true, '2026-03-01T09:00:00');
  await ask(u1, 'làm giả căn cước', true, '2026-03-02T10:00:00'); // the refusal
  await ask(u3, '[chọn] Một hướng dẫn', false, '2026-03-02T11:00:00'); // a button, not a question
  await ask(u3, 'ngoài khoảng', false, '2026-02-28T23:30:00');

  const volunteer = async (name: string) => {
    const [v] = await db.query<{ id: string }>('insert into volunteers (user_id, name) values ($1, $2) returning id', [
      await user('telegram', name),
      name,
    ]);
    return Number(v!.id);
  };
  const lan = await volunteer('Lan');
  const minh = await volunteer('Minh');
  const ticket = (u: number, v: number, at: string, first: number, close: number, rating: number) =>
    db.query(
      `insert into tickets (citizen_id, status, problem, volunteer_id, created_at, queued_at, claimed_at, first_response_at,
                            closed_at, rating)
       values ($1, 'closed', 'cần giúp', $2, $3::timestamptz, $3::timestamptz, $3::timestamptz,
               $3::timestamptz + make_interval(mins => $4), $3::timestamptz + make_interval(mins => $5), $6)`,
      [u, v, vn(at), first, close, rating],
    );
  await ticket(u1, lan, '2026-03-01T10:00:00', 4, 20, 5);
  await ticket(u2, minh, '2026-03-02T14:00:00', 10, 30, 2);
  await db.query(
    `insert into tickets (citizen_id, status, problem, queued_at) values ($1, 'waiting', 'đang chờ', now() - interval '5 minutes')`,
    [u3],
  );
  await db.query('insert into handoff_unmet (citizen_id, channel, problem, created_at) values ($1, $2, $3, $4), ($1, $2, $3, $5)', [
    u3,
    'web',
    'cần người',
    vn('2026-03-01T21:00:00'),
    vn('2026-03-02T21:30:00'),
  ]);

  const subscribe = async (u: number, hour: number, paused: string | null, at: string) => {
    const [s] = await db.query<{ id: string }>(
      `insert into subscriptions (user_id, course_id, hour, minute, paused, next_due_at, created_at)
       values ($1, $2, $3, 0, $4, now() + interval '1 day', $5) returning id`,
      [u, course.id, hour, paused, vn(at)],
    );
    return Number(s!.id);
  };
  const s1 = await subscribe(u1, 7, null, '2026-03-01T08:00:00');
  const s2 = await subscribe(u2, 20, 'blocked', '2026-03-02T08:00:00');
  const lesson = (s: number, pos: number, day: string, channel: string, status: string, attempts: number) =>
    db.query(
      `insert into outbox (subscription_id, course_id, position, local_date, channel, external_id, due_at, status, attempts,
                           next_attempt_at)
       values ($1, $2, $3, $4, $5, 'x', $6, $7, $8, $6)`,
      [s, course.id, pos, day, channel, vn(`${day}T07:00:00`), status, attempts],
    );
  await lesson(s1, 1, '2026-03-01', 'telegram', 'sent', 1);
  await lesson(s1, 2, '2026-03-02', 'telegram', 'sent', 2);
  await lesson(s2, 1, '2026-03-02', 'zalo', 'failed', 3);

  await db.query(`insert into enrollments (user_id, course_id, next_position, started_at) values ($1, $3, 3, $4), ($2, $3, 2, $5)`, [
    u1,
    u2,
    course.id,
    vn('2026-03-01T07:00:00'),
    vn('2026-03-02T07:00:00'),
  ]);
  const quiz = (u: number, pos: number, correct: boolean, at: string) =>
    db.query(`insert into quiz_answers (user_id, course_id, position, choice, correct, answered_at) values ($1, $2, $3, 1, $4, $5)`, [
      u,
      course.id,
      pos,
      correct,
      vn(at),
    ]);
  await quiz(u1, 1, true, '2026-03-01T07:05:00');
  await quiz(u1, 2, false, '2026-03-02T07:05:00');
  await quiz(u2, 1, false, '2026-03-02T20:05:00');
  await db.query(
    `insert into certificates (code, user_id, course_id, display_name, course_title, issued_at)
     values ('RPTCERT1', $1, $2, 'Nguyễn Văn Tên', $3, $4)`,
    [u1, course.id, course.title, vn('2026-03-02T08:00:00')],
  );

  const account = await seedAccount(app.db, 'operator');
  operator = new ConsoleClient(server);
  expect((await operator.login(account.login, account.password)).statusCode).toBe(303);
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

describe('console reports', () => {
  it('overview: questions by Vietnam day and channel, outcomes, citizens, subscriptions, scam warnings', async () => {
    const page = await operator.get(`/console?${RANGE}`);
    expect(page.statusCode).toBe(200);
    const b = page.body;
    expect(figure(b, 'câu hỏi')).toBe('3');
    expect(figure(b, 'đã trả lời')).toBe('1');
    expect(figure(b, 'chưa chắc, không đoán')).toBe('1');
    expect(figure(b, 'từ chối')).toBe('1');
    expect(figure(b, 'chuyển tình nguyện viên')).toBe('2');
    expect(figure(b, 'cần người, không có ai')).toBe('2');
    expect(figure(b, 'người dân nhắn tin')).toBe('2');
    expect(figure(b, 'đăng ký học mới')).toBe('2');
    expect(figure(b, 'cảnh báo lừa đảo đã gửi')).toBe('1');
    // the chart spec is JSON in an attribute, escaped; the page loads only our own scripts
    const spec = /data-chart="([^"]+)"/.exec(b)![1]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    expect(JSON.parse(spec)).toMatchObject({
      labels: ['2026-03-01', '2026-03-02'],
      datasets: [
        { label: 'telegram', data: [1, 1] },
        { label: 'zalo', data: [1, 0] },
      ],
    });
    expect(b).toContain('<script src="/console/assets/chart.js"');
    expect(b).not.toMatch(/<script>/);
    expect(b).toContain('<details>');
  });

  it('learning: subscribers, deliveries per channel, funnel, confusing quiz items, streaks, certificates with /verify', async () => {
    const page = await operator.get(`/console/learning?${RANGE}`);
    expect(page.statusCode).toBe(200);
    const b = page.body;
    expect(figure(b, 'người đang đăng ký')).toBe('1');
    expect(figure(b, 'bài đã gửi')).toBe('2');
    expect(figure(b, 'bài không gửi được')).toBe('1');
    expect(figure(b, 'đăng ký tạm dừng')).toBe('1');
    expect(figure(b, 'người đang có chuỗi ngày học')).toBe('2');
    expect(figure(b, 'chuỗi dài nhất \\(ngày\\)')).toBe('2');
    expect(figure(b, 'giấy chứng nhận đã cấp')).toBe('1');
    expect(b).toContain('href="/verify/RPTCERT1"');
    expect(b).not.toContain('Nguyễn Văn Tên'); // a pseudonym, not the name on the certificate
    expect(b).toMatch(/<td class="n flag">0 %<\/td>/); // lesson 2's quiz: nobody right
    const funnel = await operator.get(`/console/learning.csv?chart=funnel&${RANGE}`);
    expect(funnel.body.split('\n').slice(1, 4)).toEqual(['Bài,' + course.title, 'Bắt đầu,2', 'Bài 1,2']);
    expect(funnel.body).toContain('Bài 2,1');
    const deliveries = await operator.get(`/console/learning.csv?chart=deliveries&${RANGE}`);
    expect(deliveries.body).toContain('telegram,2,1,0,0,0');
    expect(deliveries.body).toContain('zalo,0,1,1,0,1');
  });

  it('desk: the queue now, median times, ratings per volunteer, unmet requests by Vietnam hour', async () => {
    const page = await operator.get(`/console/desk?${RANGE}`);
    expect(page.statusCode).toBe(200);
    const b = page.body;
    expect(figure(b, 'đang chờ')).toBe('1');
    expect(figure(b, 'đang được giúp')).toBe('0');
    expect(figure(b, 'yêu cầu vào hàng chờ')).toBe('2');
    expect(figure(b, 'phút đến lời đầu tiên \\(trung vị\\)')).toBe('7');
    expect(figure(b, 'phút đến khi xong \\(trung vị\\)')).toBe('25');
    expect(figure(b, 'điểm đánh giá trung bình')).toBe('3.5');
    const volunteers = await operator.get(`/console/desk.csv?chart=volunteers&${RANGE}`);
    expect(volunteers.body).toMatch(/Lan \(#\d+\),5,1,1/);
    expect(volunteers.body).toMatch(/Minh \(#\d+\),2,1,1/);
    const hours = await operator.get(`/console/desk.csv?chart=hours&${RANGE}`);
    expect(hours.body).toContain('\n21h,2,0\n');
    expect(hours.body).toContain('\n10h,0,1\n');
  });

  it('a CSV export says it is redacted, has the rows, and is audited', async () => {
    const res = await operator.get(`/console/overview.csv?chart=outcomes&${RANGE}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe(CSV_NOTE);
    expect(lines[0]).toContain('redacted data, no personal numbers');
    expect(lines.slice(1)).toEqual([
      'Ngày,Đã trả lời,Chưa chắc (không đoán),Từ chối,Chuyển tình nguyện viên,Cần người nhưng không có ai',
      '2026-03-01,1,1,0,1,1',
      '2026-03-02,0,0,1,1,1',
    ]);
    const [audited] = await app.db.query<{ detail: Record<string, string> }>(
      `select detail from console_audit where action = 'export.csv' and detail->>'chart' = 'outcomes' order by id desc limit 1`,
    );
    expect(audited!.detail).toMatchObject({ page: 'overview', chart: 'outcomes', from: '2026-03-01', to: '2026-03-02' });
    expect((await operator.get('/console/overview.csv?chart=nope')).statusCode).toBe(404);
    // a day that does not exist falls back to the default range instead of failing
    expect((await operator.get('/console/learning?from=2026-02-31&to=2026-13-01')).statusCode).toBe(200);
  });

  it('only operators: a volunteer gets 403, no session gets the login page or 401 for the CSV', async () => {
    const account = await seedAccount(app.db, 'volunteer');
    const volunteer = new ConsoleClient(server);
    await volunteer.login(account.login, account.password);
    for (const path of ['/console', '/console/learning', '/console/desk', '/console/desk.csv?chart=hours']) {
      expect((await volunteer.get(path)).statusCode, path).toBe(403);
    }
    const nobody = new ConsoleClient(server);
    expect((await nobody.get('/console/learning')).statusCode).toBe(303);
    expect((await nobody.get('/console/overview.csv?chart=outcomes')).statusCode).toBe(401);
  });

  it('the chart scripts are served locally without a session, cached', async () => {
    const nobody = new ConsoleClient(server);
    const chart = await nobody.get('/console/assets/chart.js');
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toContain('javascript');
    expect(chart.headers['cache-control']).toContain('max-age');
    expect(chart.body).toContain('Chart');
    expect(chart.body.length).toBeGreaterThan(100_000);
    const ours = await nobody.get('/console/assets/charts.js');
    expect(ours.statusCode).toBe(200);
    expect(ours.body).toContain('data-chart');
  });
});
