import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { ZALO_SECRET_HEADER, ZaloChannel, zaloWebhookSecret } from '../src/channels/zalo/channel.ts';
import { ZaloApiError, ZaloClient } from '../src/channels/zalo/client.ts';
import { parseZaloUpdate } from '../src/channels/zalo/update.ts';
import { plainReply } from '../src/channels/render.ts';
import { createServer } from '../src/http/server.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
let fake: FakeZalo;
beforeAll(async () => {
  app = await memoryApp();
  fake = await startFakeZalo();
});
afterAll(async () => {
  await fake?.close();
  await app?.close();
});
const client = () => new ZaloClient({ token: fake.token, baseUrl: fake.base, timeoutMs: 5000 });

describe('Zalo client (undici)', () => {
  it('checks ok and maps error_code/description into typed errors without leaking the token', async () => {
    const c = client();
    expect((await c.getMe()).account_name).toBe('Bot Bình Dân');
    const err = await c.sendMessage('u1', '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZaloApiError);
    expect((err as ZaloApiError).code).toBe(400);
    const timeout = await c.getUpdates(1).catch((e: unknown) => e);
    expect((timeout as ZaloApiError).isPollTimeout).toBe(true);
    // an API (or a proxy before it) that quotes the URL back in its error: the token is in that URL
    const quoting = createHttpServer((req, res) => {
      const body = { ok: false, error_code: 401, description: `Unauthorized: ${req.url}` };
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((ok) => quoting.listen(0, '127.0.0.1', ok));
    const bad = new ZaloClient({ token: 'wrong:token-value', baseUrl: `http://127.0.0.1:${(quoting.address() as AddressInfo).port}` });
    const unauthorized = (await bad.getMe().catch((e: unknown) => e)) as ZaloApiError;
    expect(unauthorized.code).toBe(401);
    expect(unauthorized.message).toBe('Zalo getMe failed (401): Unauthorized: /bot[hidden]/getMe');
    expect(unauthorized.message).not.toContain('token-value');
    await Promise.all([c.close(), bad.close(), new Promise((ok) => quoting.close(ok))]);
  });

  it('parses wrapped and bare updates, string ids, images, stickers and unsupported messages', () => {
    const wrapped = zaloText('xin chào', 'u7');
    expect(parseZaloUpdate(wrapped)).toMatchObject({ kind: 'text', text: 'xin chào', userId: 'u7', group: false });
    expect(parseZaloUpdate(wrapped.result)).toMatchObject({ kind: 'text', userId: 'u7' });
    const image = {
      event_name: 'message.image.received',
      message: { from: { id: 'u8' }, chat: { id: 'u8', chat_type: 'PRIVATE' }, photo_url: 'https://x/y.jpg', message_id: 'i1', date: 1 },
    };
    expect(parseZaloUpdate(image)).toMatchObject({ kind: 'media', mediaType: 'photo' });
    expect(parseZaloUpdate({ ...image, event_name: 'message.sticker.received' })).toMatchObject({ kind: 'media', mediaType: 'sticker' });
    expect(parseZaloUpdate({ ...image, event_name: 'message.unsupported.received' })).toMatchObject({ kind: 'other' });
    expect(parseZaloUpdate({ hello: 'world' })).toBeUndefined();
    expect(parseZaloUpdate('garbage')).toBeUndefined();
  });
});

describe('Zalo channel over long polling', () => {
  let zalo: ZaloChannel;
  beforeAll(async () => {
    zalo = new ZaloChannel({ client: client(), conversation: app.conversation, db: app.db, log: app.log, pollSeconds: 1 });
    await zalo.init();
    zalo.startPolling();
  });
  afterAll(() => zalo.stop());

  it('deletes the webhook first, answers with the right guide, and renders choices as a numbered list', async () => {
    fake.push(zaloText('lam sao doi so dien thoai tren vneid', 'z1').result);
    await fake.waitFor(() => fake.sent('z1').length > 0);
    const deleted = fake.calls.findIndex((c) => c.method === 'deleteWebhook');
    expect(deleted).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeLessThan(fake.calls.indexOf(fake.sent('z1')[0]!));
    const text = fake.sent('z1')[0]!.body.text as string;
    expect(text).toMatch(/^Đổi số điện thoại/);
    expect(text).not.toContain('**');
    expect(text).toMatch(/\n3\. 🙋 Hỏi tình nguyện viên/);
    expect(fake.calls.some((c) => c.method === 'sendChatAction' && c.body.chat_id === 'z1')).toBe(true);

    // a reply "3" picks the third choice
    fake.push(zaloText('3', 'z1').result);
    await fake.waitFor(() => fake.sent('z1').length > 1);
    expect(fake.sent('z1')[1]!.body.text).toMatch(/người thật/);
  });

  it('keeps polling after errors and 408s', async () => {
    fake.failNext('getUpdates', { error_code: 502, description: 'Bad Gateway' });
    fake.push(zaloText('quen mat khau vneid', 'z2').result);
    await fake.waitFor(() => fake.sent('z2').length > 0);
    expect(fake.sent('z2')[0]!.body.text).toMatch(/Quên mật khẩu/);
  });
});

describe('stopping the Zalo channel', () => {
  it('aborts the long poll in flight and resolves once the polling loop has ended', async () => {
    // an API whose getUpdates never answers (a long poll Zalo holds open)
    const polls: { closed: boolean }[] = [];
    const api = createHttpServer((req, res) => {
      if (req.url?.endsWith('/getUpdates')) {
        const poll = { closed: false };
        polls.push(poll);
        req.on('close', () => (poll.closed = true));
        return;
      }
      const body = { ok: true, result: { id: '1', account_name: 'Bot' } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((ok) => api.listen(0, '127.0.0.1', ok));
    const hanging = new ZaloClient({ token: fake.token, baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}` });
    const zalo = new ZaloChannel({ client: hanging, conversation: app.conversation, db: app.db, log: app.log, pollSeconds: 30 });
    await zalo.init();
    zalo.startPolling();
    await fake.waitFor(() => polls.length === 1);
    const started = Date.now();
    await zalo.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    await fake.waitFor(() => polls[0]!.closed);
    await new Promise((ok) => setTimeout(ok, 200));
    expect(polls).toHaveLength(1); // the loop ended: no poll after the stop
    api.closeAllConnections();
    await new Promise((ok) => api.close(ok));
  });
});

describe('Zalo webhook', () => {
  let server: FastifyInstance;
  let base: string;
  let path: string;
  let zalo: ZaloChannel;
  const secret = () => zaloWebhookSecret(fake.token);
  beforeAll(async () => {
    server = await createServer(app);
    zalo = new ZaloChannel({ client: client(), conversation: app.conversation, db: app.db, log: app.log });
    await zalo.init();
    path = new URL(await zalo.startWebhook(server, 'https://bot.example.vn', secret())).pathname;
    base = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await zalo?.stop();
  });
  const post = (body: unknown, header?: string) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { [ZALO_SECRET_HEADER]: header } : {}) },
      body: JSON.stringify(body),
    });

  it('registers with a secret and refuses a forged one', async () => {
    expect(fake.calls.find((c) => c.method === 'setWebhook')!.body.secret_token).toBe(secret());
    expect((await post(zaloText('quen mat khau vneid', 'w1'), 'forged-secret')).status).toBe(401);
    expect((await post(zaloText('quen mat khau vneid', 'w1'))).status).toBe(401);
    await zalo.idle();
    expect(fake.sent('w1')).toHaveLength(0);
  });

  it('answers 200 at once, replies after, and answers a replayed message once', async () => {
    const update = zaloText('cách đăng ký tạm trú trên vneid', 'w2', { messageId: 'dup-1' });
    expect((await post(update, secret())).status).toBe(200);
    expect((await post(update, secret())).status).toBe(200);
    await zalo.idle();
    expect(fake.sent('w2')).toHaveLength(1);
    expect(fake.sent('w2')[0]!.body.text).toMatch(/tạm trú/i);
  });

  it('in a group answers only messages that start with the bot name', async () => {
    await post(zaloText('quen mat khau vneid', 'w3', { chatType: 'GROUP', chatId: 'g1' }), secret());
    await post(zaloText('@Bot Bình Dân quen mat khau vneid', 'w3', { chatType: 'GROUP', chatId: 'g1' }), secret());
    await zalo.idle();
    expect(fake.sent('g1')).toHaveLength(1);
  });

  it('stores a private chat whose id is not the user id as where pushes go (by the core); a group message changes nothing', async () => {
    const { userAddressSql } = await import('../src/core/users.ts');
    const address = async () => {
      const sql = `select ${userAddressSql('u')} as a from users u where channel = 'zalo' and external_id = 'wu5'`;
      const [row] = await app.db.query<{ a: string }>(sql);
      return row?.a;
    };
    await post(zaloText('quen mat khau vneid', 'wu5', { chatId: 'wc5' }), secret());
    await zalo.idle();
    expect(fake.sent('wc5').length).toBeGreaterThan(0);
    expect(await address()).toBe('wc5');
    await post(zaloText('@Bot Bình Dân quen mat khau vneid', 'wu5', { chatType: 'GROUP', chatId: 'g5' }), secret());
    await zalo.idle();
    expect(fake.sent('g5').length).toBeGreaterThan(0);
    expect(await address()).toBe('wc5');
    // their own chat again, now under their user id: pushes go there
    await post(zaloText('quen mat khau vneid', 'wu5'), secret());
    await zalo.idle();
    expect(await address()).toBe('wu5');
  });

  it('ignores malformed bodies', async () => {
    const before = fake.calls.length;
    expect((await post({ nonsense: true }, secret())).status).toBe(200);
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ZALO_SECRET_HEADER]: secret() },
      body: '{broken',
    });
    expect(res.status).toBe(400);
    await zalo.idle();
    expect(fake.calls.slice(before)).toEqual([]);
  });

  it('splits a long reply under 2,000 characters, in order, the numbered choices at the end', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Đoạn ${String(i).padStart(2, '0')}: ${'chữ '.repeat(25).trim()}`).join('\n\n');
    const long = { text, choices: [{ id: 'later', label: '🌙 Để mai' }] };
    expect(plainReply(long).length).toBeGreaterThan(2 * 2000);
    await zalo.output.send('w4', [long]);
    const parts = fake.sent('w4').map((c) => c.body.text as string);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join('\n\n')).toBe(plainReply(long));
    expect(parts.at(-1)).toMatch(/\n1\. 🌙 Để mai\n/);
  });
});

describe('a lesson with a picture on Zalo', () => {
  it('is one sendPhoto: the public URL of the picture, the card with numbered options as caption', async () => {
    const { getLesson } = await import('../src/learn/store.ts');
    const { renderLesson } = await import('../src/learn/render.ts');
    const zalo = new ZaloChannel({
      client: client(),
      conversation: app.conversation,
      db: app.db,
      log: app.log,
      publicUrl: 'https://bot.example.vn/',
    });
    expect(zalo.output).toMatchObject({ name: 'zalo', capabilities: { buttons: false, maxText: 1900, photos: true } });
    await zalo.output.send('zp1', [renderLesson((await getLesson(app.db, 'an-toan-tren-mang', 4))!)]);
    const [call, ...more] = fake.sent('zp1');
    expect(more).toEqual([]);
    expect(call!.method).toBe('sendPhoto');
    expect(call!.body.photo).toBe('https://bot.example.vn/lesson-images/an-toan-tren-mang/ten-trang-that-gia.png');
    expect(call!.body.caption).toMatch(/Bài 4\/5[\s\S]*❓[\s\S]*\n4\. vneid\.gov\.vn/);
    await zalo.stop();
  });
});

describe('a course on Zalo (numbered choices)', () => {
  it('/hoc → "1" → lesson and numbered quiz → the answer typed as a number', async () => {
    const zalo = new ZaloChannel({ client: client(), conversation: app.conversation, db: app.db, log: app.log });
    await zalo.init();
    const say = (text: string) => zalo.handle(parseZaloUpdate(zaloText(text, 'zc1'))!);
    await say('/hoc');
    expect(fake.sent('zc1')[0]!.body.text).toMatch(/1\. 📘 VNeID từ A đến Z/);
    await say('1');
    const [lesson, ...more] = fake
      .sent('zc1')
      .slice(1)
      .map((c) => c.body.text as string);
    expect(more).toEqual([]);
    expect(lesson).toMatch(/Bài 1\/7[\s\S]*\n\n❓ .*\n\n1\. /);
    expect(lesson!.length).toBeLessThan(2000);
    const [row] = await app.db.query<{ quiz: { answer: number } }>(
      `select quiz from lessons where course_id = 'vneid-tu-a-den-z' and position = 1`,
    );
    await say(String(row!.quiz.answer));
    expect(fake.sent('zc1').at(-1)!.body.text).toMatch(/Đúng rồi[\s\S]*1\. ➡️ Bài tiếp theo\n2\. 🌙 Để mai/);
    await zalo.stop();
  });
});
