import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { anyVolunteerOn, CONSOLE_CHANNEL } from '../src/handoff/volunteers.ts';
import { createServer } from '../src/http/server.ts';
import { startPushWorker, type PushWorker } from '../src/push/outbox.ts';
import { startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { memoryApp } from './helpers/app.ts';
import { ConsoleClient, seedAccount } from './helpers/console.ts';
import { expectOneWinnerEach, raceClaims } from './helpers/inbox-race.ts';
import { waitUntil } from './helpers/wait.ts';

/** Private announcements (no volunteer group), always on duty, no per-user message budget (the race sends many). */
const ENV = { TELEGRAM_BOT_TOKEN: `123456:${'x'.repeat(30)}`, VOLUNTEER_HOURS: '0-24', MESSAGES_PER_USER_PER_MINUTE: '0' };

let app: App;
let server: FastifyInstance;
let telegram: FakeTelegram;
let tg: TelegramChannel;
let pushes: PushWorker;
beforeAll(async () => {
  app = await memoryApp(ENV);
  telegram = await startFakeTelegram();
  tg = new TelegramChannel({ token: telegram.token, apiRoot: telegram.apiRoot, conversation: app.conversation, db: app.db, log: app.log });
  await tg.init();
  tg.startPolling();
  app.pushChannels.add(tg.output.name);
  pushes = startPushWorker({ db: app.db, senders: { telegram: tg.output }, log: app.log, signal: app.pushSignal, intervalMs: 200 });
  server = await createServer(app);
});
afterAll(async () => {
  await pushes?.stop();
  await tg?.stop();
  await server?.close();
  await telegram?.close();
  await app?.close();
});

const toChat = (chat: number) =>
  telegram
    .sent()
    .filter((c) => Number(c.body.chat_id) === chat)
    .map((c) => c.body as { text: string; reply_markup?: { inline_keyboard: { callback_data: string }[][] } });

type Poll = { cursor: number; notices: { text: string }[]; held: number | null; waiting: { id: number; who: string; problem: string }[] };

describe('the volunteer inbox', () => {
  it('a Telegram citizen helped from the browser: claim, reply (as text, signed), the answer in the poll, close → rating', async () => {
    const hanh = await seedAccount(app.db, 'volunteer', 'Hạnh');
    const browser = new ConsoleClient(server);
    expect((await browser.login(hanh.login, hanh.password)).headers.location).toBe('/console/inbox');
    const first = await browser.get('/console/inbox');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Bạn chưa giữ yêu cầu nào');
    // with the inbox open the desk is reachable, so the citizen's request is taken
    const citizen = 880_000 + Math.floor(Math.random() * 9999);
    telegram.push(textUpdate('/tinhnguyenvien khong dang nhap duoc vneid, so toi 0912345678', citizen));
    await telegram.waitFor(() => toChat(citizen).some((m) => /Đã gửi yêu cầu/.test(m.text)));
    const id = Number(/#(\d+)/.exec(toChat(citizen).find((m) => /Đã gửi yêu cầu/.test(m.text))!.text)![1]);

    // the poll shows it waiting (pseudonym, redacted) and the private announcement with its claim button
    let cursor = 0;
    const poll = async () => {
      const res = await browser.get(`/console/inbox/poll.json?after=${cursor}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as Poll;
      cursor = body.cursor;
      return body;
    };
    const news = await poll();
    const waiting = news.waiting.find((w) => w.id === id)!;
    expect(waiting.who).toMatch(/^Người dân [A-Z0-9]{4}$/);
    expect(waiting.problem).toContain('[số điện thoại]');
    expect(JSON.stringify(news)).not.toContain('0912345678');
    expect(JSON.stringify(news)).not.toContain(String(citizen));
    expect(news.notices.some((n) => n.text.includes(`#${id}`) && /Yêu cầu mới/.test(n.text))).toBe(true);
    expect(news.held).toBeNull();

    const page = await browser.get('/console/inbox');
    expect(page.body).toContain(`🙋 Nhận #${id}`);
    const claimed = await browser.post('/console/inbox/act', { action: 'claim', ticket: String(id) });
    expect(claimed.statusCode).toBe(303);
    const after = await browser.get(claimed.headers.location as string);
    expect(after.body).toContain(`Hạnh đã nhận yêu cầu #${id}`);
    expect(after.body).toContain(`Đang giúp: #${id}`);
    expect(after.body).toContain('khong dang nhap duoc vneid');
    expect(after.body).not.toContain('0912345678');
    await telegram.waitFor(() => toChat(citizen).some((m) => m.text.includes('<b>Hạnh</b> đã nhận')));

    // a reply with markup in it: the citizen gets it signed, as text; the page shows it as text
    await browser.post('/console/inbox/act', { action: 'reply', ticket: String(id), text: 'xin chào <script>alert(1)</script>' });
    await telegram.waitFor(() => toChat(citizen).some((m) => m.text.includes('<b>Hạnh</b> (tình nguyện viên)')));
    const signed = toChat(citizen).find((m) => m.text.includes('(tình nguyện viên)'))!.text;
    expect(signed).toContain('xin chào &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(signed).not.toContain('<script>');
    const shown = await browser.get('/console/inbox');
    expect(shown.body).toContain('xin chào &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown.body).not.toContain('<script>alert(1)');

    // the citizen's answer reaches the inbox without a reload
    telegram.push(textUpdate('cam on chau, bac dang nhap duoc roi', citizen));
    let seen: string[] = [];
    await waitUntil(async () => {
      seen = seen.concat((await poll()).notices.map((n) => n.text));
      return seen.some((t) => t.includes('cam on chau, bac dang nhap duoc roi'));
    }, 'the citizen’s answer in the inbox poll');
    expect(seen.find((t) => t.includes('cam on chau'))).toMatch(new RegExp(`#${id} · Người dân [A-Z0-9]{4}`));
    expect((await poll()).held).toBe(id);

    // saved for the editors, then closed: the citizen is asked for a rating
    await browser.get('/console/inbox');
    await browser.post('/console/inbox/act', { action: 'save', text: 'Mở VNeID, bấm Quên mật khẩu' });
    const [saved] = await app.db.query<{ answer: string }>('select answer from guide_suggestions where ticket_id = $1', [id]);
    expect(saved!.answer).toBe('Mở VNeID, bấm Quên mật khẩu');
    await browser.get('/console/inbox');
    const closed = await browser.post('/console/inbox/act', { action: 'close', ticket: String(id) });
    expect((await browser.get(closed.headers.location as string)).body).toContain(`Đã đóng yêu cầu #${id}`);
    await telegram.waitFor(() => toChat(citizen).some((m) => m.text.includes('chấm điểm')));
    const rating = toChat(citizen).find((m) => m.text.includes('chấm điểm'))!;
    expect(rating.reply_markup!.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([1, 2, 3, 4, 5].map((n) => `rate:${id}:${n}`));
    const [row] = await app.db.query<{ status: string }>('select status from tickets where id = $1', [id]);
    expect(row!.status).toBe('closed');
    const actions = await app.db.query<{ action: string }>(
      `select action from console_audit where account_id = $1 and action like 'inbox.%' order by id`,
      [hanh.id],
    );
    expect(actions.map((a) => a.action)).toEqual(['inbox.join', 'inbox.claim', 'inbox.reply', 'inbox.save', 'inbox.close']);
    // a stale page's button does nothing
    await browser.get('/console/inbox');
    expect((await browser.post('/console/inbox/act', { action: 'reply', ticket: String(id), text: 'còn đó không?' })).statusCode).toBe(409);
  });

  it('gives back (/tra: waiting again) and transfers (/chuyen) to another console volunteer, who gets it with the context', async () => {
    const [a, b] = [await seedAccount(app.db, 'volunteer', 'Thảo'), await seedAccount(app.db, 'volunteer', 'Vinh')];
    const [ba, bb] = [new ConsoleClient(server), new ConsoleClient(server)];
    await ba.login(a.login, a.password);
    await bb.login(b.login, b.password);
    await ba.get('/console/inbox');
    await bb.get('/console/inbox');
    const [confirm] = await app.conversation.handle({
      channel: 'web',
      userId: `inbox-web-${Date.now()}`,
      kind: 'text',
      text: '/tinhnguyenvien can giup nop ho so',
    });
    const id = Number(/#(\d+)/.exec(confirm!.text)![1]);
    await ba.post('/console/inbox/act', { action: 'claim', ticket: String(id) });
    await ba.get('/console/inbox');
    const back = await ba.post('/console/inbox/act', { action: 'giveback', ticket: String(id) });
    expect((await ba.get(back.headers.location as string)).body).toContain(`Đã trả yêu cầu #${id} về hàng chờ`);
    expect((await app.db.query<{ status: string }>('select status from tickets where id = $1', [id]))[0]!.status).toBe('waiting');
    await ba.post('/console/inbox/act', { action: 'claim', ticket: String(id) });
    const page = await ba.get('/console/inbox');
    const vinh = /<option value="(\d+)">Vinh/.exec(page.body)![1]!;
    const moved = await ba.post('/console/inbox/act', { action: 'transfer', ticket: String(id), to: vinh });
    expect((await ba.get(moved.headers.location as string)).body).toContain(`Đã chuyển yêu cầu #${id} cho Vinh`);
    const poll = (await bb.get('/console/inbox/poll.json')).json() as Poll;
    expect(poll.held).toBe(id);
    expect(poll.notices.some((n) => n.text.includes(`Yêu cầu **#${id}**`) && n.text.includes('can giup nop ho so'))).toBe(true);
    expect((await bb.get('/console/inbox')).body).toContain(`Đang giúp: #${id}`);
    await bb.post('/console/inbox/act', { action: 'close', ticket: String(id) });
  });

  it('a console volunteer counts as reachable only while their inbox was seen in the last 10 minutes', async () => {
    const who = await seedAccount(app.db, 'volunteer', 'Trực');
    const browser = new ConsoleClient(server);
    await browser.login(who.login, who.password);
    await browser.get('/console/inbox');
    expect(await anyVolunteerOn(app.db, [CONSOLE_CHANNEL])).toBe(true);
    expect(await anyVolunteerOn(app.db, [CONSOLE_CHANNEL], new Date(Date.now() + 11 * 60_000))).toBe(false);
  });

  it('a browser claim racing a Telegram /nhan on the same request: exactly one winner, 10 times over', async () => {
    expectOneWinnerEach(await raceClaims(app, server, 10, 'pglite'));
  });

  it('operators manage volunteers: invite a console volunteer, an invite code, turn off and on; duty hours shown read-only', async () => {
    const operator = await seedAccount(app.db, 'operator', 'Chị Mai');
    const browser = new ConsoleClient(server);
    await browser.login(operator.login, operator.password);
    const join = await browser.get('/console/inbox');
    expect(join.body).toContain('Tham gia trực');
    const list = await browser.get('/console/inbox/volunteers');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('VOLUNTEER_HOURS');
    expect(list.body).toContain('Giờ trực: cả ngày');
    const login = `tnv-${Date.now().toString(36)}`;
    const invited = await browser.post('/console/inbox/volunteers/invite', { login, name: 'Nam <i>' });
    expect(invited.body).toMatch(/\/console\/setup\/[\w-]+/);
    expect(invited.body).toContain('Nam &lt;i&gt;');
    const [v] = await app.db.query<{ id: string; active: boolean }>(
      `select v.id, v.active from volunteers v join users u on u.id = v.user_id
        join console_accounts a on a.id::text = u.external_id where u.channel = 'console' and a.login = $1`,
      [login],
    );
    expect(v!.active).toBe(true);
    await browser.get('/console/inbox/volunteers');
    const code = await browser.post('/console/inbox/volunteers/code', { name: 'Bình', days: '3' });
    expect(code.body).toMatch(/\/thamgia TNV-[A-Z0-9]{4}-[A-Z0-9]{4}/);
    await browser.get('/console/inbox/volunteers');
    expect((await browser.post(`/console/inbox/volunteers/${v!.id}/off`, {})).statusCode).toBe(303);
    expect((await app.db.query<{ active: boolean }>('select active from volunteers where id = $1', [v!.id]))[0]!.active).toBe(false);
    await browser.get('/console/inbox/volunteers');
    await browser.post(`/console/inbox/volunteers/${v!.id}/on`, {});
    expect((await app.db.query<{ active: boolean }>('select active from volunteers where id = $1', [v!.id]))[0]!.active).toBe(true);
    const audited = await app.db.query<{ action: string }>(
      `select action from console_audit where account_id = $1 and action like 'volunteer.%' order by id`,
      [operator.id],
    );
    expect(audited.map((a) => a.action)).toEqual(['volunteer.invite', 'volunteer.invite-code', 'volunteer.off', 'volunteer.on']);
    // a volunteer may not manage; the poll without a session is a 401
    const volunteer = await seedAccount(app.db, 'volunteer');
    const other = new ConsoleClient(server);
    await other.login(volunteer.login, volunteer.password);
    expect((await other.get('/console/inbox/volunteers')).statusCode).toBe(403);
    expect((await new ConsoleClient(server).get('/console/inbox/poll.json')).statusCode).toBe(401);
  });
});
