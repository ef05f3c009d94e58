import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { TelegramChannel, webhookSecret } from '../src/channels/telegram.ts';
import { createServer } from '../src/http/server.ts';
import { BOT, callbackUpdate, startFakeTelegram, textUpdate, visibleLength, type FakeTelegram } from './fakes/telegram.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
let fake: FakeTelegram;
beforeAll(async () => {
  app = await memoryApp();
  fake = await startFakeTelegram();
});
afterAll(async () => {
  await fake?.close();
  await app?.close();
});

const channel = (maxRetryDelaySeconds = 5) =>
  new TelegramChannel({
    token: fake.token,
    apiRoot: fake.apiRoot,
    conversation: app.conversation,
    db: app.db,
    log: app.log,
    maxRetryDelaySeconds,
  });
const toChat = (chatId: number) => fake.sent().filter((c) => Number(c.body.chat_id) === chatId);

describe('Telegram over long polling (grammY runner against a fake Bot API)', () => {
  let tg: TelegramChannel;
  beforeAll(async () => {
    tg = channel();
    expect(await tg.init()).toBe(BOT.username);
    tg.startPolling();
  });
  afterAll(() => tg.stop());

  it("sets the command menu from the features' commands, which the Bot API accepts", () => {
    // every channel of this file sets it on init (the fake is shared): each time the same menu, each time accepted
    const calls = fake.calls.filter((c) => c.method === 'setMyCommands');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.ok)).toBe(true);
    const menu = calls.at(-1)!.body.commands as { command: string; description: string }[];
    const { registry } = app.conversation;
    for (const call of calls) expect(call.body.commands).toEqual(registry.menu());
    expect(menu.map((c) => c.command)).toEqual(expect.arrayContaining(['start', 'help', 'hoc', 'dangky', 'tiendo', 'tinhnguyenvien']));
    // what features keep out of the menu (synonyms, volunteer commands) is not in it
    const hidden = [...registry.commands].filter(([, c]) => c.hidden).map(([name]) => name);
    expect(hidden).toEqual(expect.arrayContaining(['trogiup', 'nhan', 'xong']));
    for (const name of hidden) expect(menu.map((c) => c.command)).not.toContain(name);
  });

  it("answers a citizen's question with the right guide, as HTML with an inline keyboard", async () => {
    fake.push(textUpdate('quen mat khau vneid thi lam sao', 501));
    await fake.waitFor(() => toChat(501).length > 0);
    const [msg] = toChat(501);
    expect(msg!.body.parse_mode).toBe('HTML');
    expect(msg!.body.text).toMatch(/^<b>Quên mật khẩu hoặc passcode VNeID<\/b>/);
    const buttons = msg!.body.reply_markup.inline_keyboard.flat() as { text: string; callback_data: string }[];
    expect(buttons.map((b) => b.text)).toContain('🙋 Hỏi tình nguyện viên');
    expect(fake.sent('sendChatAction').some((c) => Number(c.body.chat_id) === 501)).toBe(true);

    // pressing a button: the callback query is answered and the choice handled
    const related = buttons.find((b) => b.callback_data.startsWith('guide:'))!;
    fake.push(callbackUpdate(related.callback_data, 501, { id: 'cb1', firstName: 'Bà' }));
    await fake.waitFor(() => toChat(501).length > 1);
    expect(fake.sent('answerCallbackQuery').some((c) => c.body.callback_query_id === 'cb1')).toBe(true);
    expect(toChat(501)[1]!.body.text).toContain(related.text.replace('📄 ', ''));
  });

  it('replies kindly to a photo and warns about ID documents', async () => {
    fake.push(textUpdate('', 502, { text: undefined, photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }] }));
    await fake.waitFor(() => toChat(502).length > 0);
    expect(toChat(502)[0]!.body.text).toMatch(/Đừng gửi ảnh căn cước/);
  });

  it('in a group, answers only when mentioned', async () => {
    const group = (text: string) => textUpdate(text, 503, { chat: { id: -900, type: 'group', title: 'Tổ CNS' } });
    fake.push(group('quen mat khau vneid'));
    fake.push(group(`@${BOT.username} doi so dien thoai vneid`));
    await fake.waitFor(() => toChat(-900).length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(toChat(-900)).toHaveLength(1);
    expect(toChat(-900)[0]!.body.text).toMatch(/Đổi số điện thoại/);
  });

  it('honours 429 retry_after and still delivers', async () => {
    fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    const started = Date.now();
    fake.push(textUpdate('cach dang ky tam tru tren vneid', 504));
    await fake.waitFor(() => toChat(504).length > 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.body.chat_id) === 504).map((c) => c.ok)).toEqual([false, true]);
  });

  it('marks a user who blocked the bot unreachable', async () => {
    fake.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    fake.push(textUpdate('xin chao', 505));
    await fake.waitFor(() => fake.calls.some((c) => c.method === 'sendMessage' && Number(c.body.chat_id) === 505));
    await new Promise((r) => setTimeout(r, 200));
    const [row] = await app.db.query<{ reachable: boolean }>(
      `select reachable from users where channel = 'telegram' and external_id = '505'`,
    );
    expect(row!.reachable).toBe(false);
  });
});

describe('Telegram webhook', () => {
  let server: FastifyInstance;
  let base: string;
  let path: string;
  beforeAll(async () => {
    server = await createServer(app);
    const tg = channel();
    await tg.init();
    const url = await tg.startWebhook(server, 'https://bot.example.vn');
    path = new URL(url).pathname;
    base = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server?.close());

  const post = (update: unknown, secret?: string) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });

  it('registers the webhook with a secret token', () => {
    const call = fake.sent('setWebhook').at(-1)!;
    expect(call.body.url).toBe(`https://bot.example.vn${path}`);
    expect(call.body.secret_token).toBe(webhookSecret(fake.token));
  });

  it('refuses a forged or missing secret with 401 and processes nothing', async () => {
    const update = { update_id: 880001, ...textUpdate('quen mat khau vneid', 601) };
    expect((await post(update)).status).toBe(401);
    expect((await post(update, 'wrong-secret')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(toChat(601)).toHaveLength(0);
  });

  it('answers a replayed update once', async () => {
    const update = { update_id: 880002, ...textUpdate('doi sdt vneid', 602) };
    const secret = webhookSecret(fake.token);
    expect((await post(update, secret)).status).toBe(200);
    expect((await post(update, secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(toChat(602)).toHaveLength(1);
  });

  it('delivers a 5,000-character answer whole and in order, under the limit, with escaped HTML', async () => {
    const paragraphs = Array.from({ length: 50 }, (_, i) => `Đoạn ${String(i).padStart(2, '0')}: <thẻ> & ký_tự ${'x'.repeat(80)}`);
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(5000);
    const tg = channel();
    await tg.output.send('603', [{ text, choices: [{ id: 'human', label: 'Hỏi tình nguyện viên' }] }]);
    const parts = toChat(603);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(visibleLength(p.body.text, 'HTML')).toBeLessThanOrEqual(4096);
    const joined = parts.map((p) => p.body.text).join('\n\n');
    expect(joined).toBe(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(parts.at(-1)!.body.reply_markup).toBeDefined();
    expect(parts[0]!.body.reply_markup).toBeUndefined();
  });
});

describe('channel start-up', () => {
  it('reports each channel, and a Telegram that cannot connect leaves the rest running', async () => {
    const { startChannels } = await import('../src/channels/start.ts');
    const pino = (await import('pino')).default;
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const server = await createServer(app);
    // a port that was just closed: connections are refused
    const { createServer: createHttp } = await import('node:http');
    const closed = createHttp();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as { port: number }).port;
    await new Promise((ok) => closed.close(ok));
    const broken = {
      ...app,
      log,
      config: { ...app.config, TELEGRAM_BOT_TOKEN: '123456:' + 'x'.repeat(30), TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` },
    };
    const started = await startChannels(broken, server);
    expect(started.stops).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/telegram: not connected/);
    const working = { ...app, log, config: { ...app.config, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot } };
    const ok = await startChannels(working, server);
    expect(lines.join('\n')).toMatch(/telegram: connected as @BinhDanTestBot \(long polling\)/);
    for (const stop of ok.stops) await stop();
    await server.close();
  });

  it('a Telegram whose token the Bot API refuses is offered to nobody: no daily lessons there, no help desk behind it', async () => {
    const { startChannels } = await import('../src/channels/start.ts');
    // the help desk is the volunteers' Telegram group: reachable only while Telegram is connected
    const desk = await memoryApp({ VOLUNTEER_CHAT_ID: '-100900', VOLUNTEER_HOURS: '0-24' });
    const server = await createServer(desk);
    const withToken = (token: string) => ({
      ...desk,
      config: { ...desk.config, TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: fake.apiRoot },
    });
    const ask = (channel: string, userId: string, text: string) => desk.conversation.handle({ channel, userId, kind: 'text', text });
    const tickets = async (citizen: string) =>
      (await desk.db.query(`select 1 from tickets t join users u on u.id = t.citizen_id where u.external_id = $1`, [citizen])).length;
    try {
      // the fake answers getMe with 401 Unauthorized for any token but its own
      const refused = await startChannels(withToken(`123456:${'r'.repeat(30)}`), server);
      expect(refused.adapters).toEqual({});
      expect(refused.stops).toEqual([]);
      expect([...desk.pushChannels]).toEqual(['web', 'console']); // the pages that fetch their own
      const [notOffered] = await ask('telegram', '9901', '/dangky');
      expect(notOffered!.text).toMatch(/Telegram.*Zalo/);
      expect(notOffered!.choices!.map((c) => c.id)).not.toContainEqual(expect.stringMatching(/^sub:/));
      const [nobody] = await ask('web', 'web-desk-down', '/tinhnguyenvien cần giúp nộp hồ sơ');
      expect(nobody!.text).toMatch(/chưa có tình nguyện viên trực tuyến/);
      expect(await tickets('web-desk-down')).toBe(0);

      // the same with the right token: connected, so both are offered
      const connected = await startChannels(withToken(fake.token), server);
      expect(Object.keys(connected.adapters)).toEqual(['telegram']);
      expect([...desk.pushChannels]).toEqual(['web', 'console', 'telegram']);
      const [offered] = await ask('telegram', '9902', '/dangky');
      expect(offered!.choices!.map((c) => c.id)).toContainEqual(expect.stringMatching(/^sub:/));
      const [queued] = await ask('web', 'web-desk-up', '/tinhnguyenvien cần giúp nộp hồ sơ');
      expect(queued!.text).not.toMatch(/chưa có tình nguyện viên trực tuyến/);
      expect(await tickets('web-desk-up')).toBe(1);
      for (const stop of connected.stops) await stop();
      // a channel stopped is no longer offered either
      expect([...desk.pushChannels]).toEqual(['web', 'console']); // the pages that fetch their own
    } finally {
      await server.close();
      await desk.close();
    }
  });
});

describe('the Telegram output adapter', () => {
  it('maps 403 to blocked and a 429 longer than the cap to rate-limited with its retry_after', async () => {
    const { DeliveryError } = await import('../src/core/output.ts');
    const { output } = channel(1);
    expect(output).toMatchObject({ name: 'telegram', capabilities: { buttons: true, maxText: 4000, photos: false } });
    await output.send('701', [{ text: 'Bài 1' }]);
    expect(toChat(701)).toHaveLength(1);
    fake.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await expect(output.send('701', [{ text: 'Bài 2' }])).rejects.toMatchObject({ kind: 'blocked' });
    fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 7', retry_after: 7 });
    const err = await output.send('701', [{ text: 'Bài 3' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
  });
});

describe('lesson pictures', () => {
  it('a lesson with a picture is one photo message: the card as caption, the quiz as buttons; the server serves the file', async () => {
    const { getLesson } = await import('../src/learn/store.ts');
    const { renderLesson } = await import('../src/learn/render.ts');
    const card = renderLesson((await getLesson(app.db, 'an-toan-tren-mang', 4))!);
    expect(card.image!.path).toBe('/lesson-images/an-toan-tren-mang/ten-trang-that-gia.png');
    const { conversation, db, log, pictures } = app;
    const tg = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation, db, log, images: pictures });
    await tg.output.send('703', [card]);
    const sent = fake.calls.filter((c) => Number(c.body.chat_id) === 703);
    expect(sent.map((c) => c.method)).toEqual(['sendPhoto']);
    const photo = sent[0]!.body;
    expect(photo.photo).toMatchObject({ filename: 'ten-trang-that-gia.png' });
    expect(photo.photo.bytes).toBeGreaterThan(10_000);
    expect(photo.caption).toMatch(/Bài 4\/5[\s\S]*❓ Trang nào dưới đây là trang thật của VNeID\?/);
    expect(photo.reply_markup.inline_keyboard.flat().map((b: { callback_data: string }) => b.callback_data)).toEqual(
      [1, 2, 3, 4].map((n) => `quiz:an-toan-tren-mang:4:${n}`),
    );

    const server = await createServer(app);
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`${base}${card.image!.path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await res.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
      for (const bad of [
        '/lesson-images/an-toan-tren-mang/..%2F..%2Fpackage.json',
        '/lesson-images/an-toan-tren-mang/course.yaml',
        '/lesson-images/khong-co/ten-trang-that-gia.png',
      ]) {
        expect((await fetch(`${base}${bad}`)).status, bad).toBe(404);
      }
    } finally {
      await server.close();
    }
  });
});

describe('a course on Telegram', () => {
  it('/hoc → a course button → lesson and quiz buttons → a wrong answer, the old quiz stale, a right answer', async () => {
    const tg = channel();
    await tg.init();
    tg.startPolling();
    const chat = 801;
    const press = (data: string) => fake.push(callbackUpdate(data, chat));
    const buttons = (i: number) =>
      (toChat(chat)[i]!.body.reply_markup?.inline_keyboard ?? []).flat() as { text: string; callback_data: string }[];
    fake.push(textUpdate('/hoc', chat));
    await fake.waitFor(() => toChat(chat).length >= 1);
    press(buttons(0).find((b) => b.callback_data === 'course:vneid-tu-a-den-z')!.callback_data);
    await fake.waitFor(() => toChat(chat).length >= 2);
    expect(toChat(chat)[1]!.body.text).toMatch(/Bài 1\/7[\s\S]*❓/);
    const options = buttons(1);
    const answerOf = async (position: number) =>
      (
        await app.db.query<{ quiz: { answer: number } }>(
          `select quiz from lessons where course_id = 'vneid-tu-a-den-z' and position = $1`,
          [position],
        )
      )[0]!.quiz.answer;
    const right = options[(await answerOf(1)) - 1]!.callback_data;
    const wrong = options.find((o) => o.callback_data !== right)!.callback_data;
    press(wrong);
    await fake.waitFor(() => toChat(chat).length >= 3);
    expect(toChat(chat)[2]!.body.text).toMatch(/Chưa đúng/);
    // the quiz of a lesson already answered no longer counts
    press(right);
    await fake.waitFor(() => toChat(chat).length >= 4);
    expect(toChat(chat)[3]!.body.text).toMatch(/^Câu hỏi này đã cũ/);
    press(buttons(2).find((b) => b.text === '➡️ Bài tiếp theo')!.callback_data);
    await fake.waitFor(() => toChat(chat).length >= 5);
    expect(toChat(chat)[4]!.body.text).toMatch(/Bài 2\/7[\s\S]*❓/);
    press(buttons(4)[(await answerOf(2)) - 1]!.callback_data);
    await fake.waitFor(() => toChat(chat).length >= 6);
    expect(toChat(chat)[5]!.body.text).toMatch(/Đúng rồi/);
    expect(buttons(5).map((b) => b.text)).toEqual(['➡️ Bài tiếp theo', '🌙 Để mai']);
    await tg.stop();
  });
});
