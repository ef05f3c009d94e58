import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { askFeature } from '../src/ask/feature.ts';
import { TOPIC_MINUTES, Topics } from '../src/ask/topics.ts';
import { Conversation } from '../src/core/conversation.ts';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { ZaloChannel } from '../src/channels/zalo/channel.ts';
import { ZaloClient } from '../src/channels/zalo/client.ts';
import { parseZaloUpdate } from '../src/channels/zalo/update.ts';
import { createServer } from '../src/http/server.ts';
import { callbackUpdate, startFakeTelegram, textUpdate } from './fakes/telegram.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { memoryApp } from './helpers/app.ts';
import { webChat } from './helpers/web.ts';

let app: App;
let server: FastifyInstance;
let fake: FakeZalo;
let base: string;
beforeAll(async () => {
  app = await memoryApp();
  server = await createServer(app);
  base = await server.listen({ port: 0, host: '127.0.0.1' });
  fake = await startFakeZalo();
});
afterAll(async () => {
  await fake?.close();
  await server?.close();
  await app?.close();
});

let n = 0;
const newUser = () => `fu${++n}-${Date.now()}`;
const say = (userId: string, text: string) => app.conversation.handle({ channel: 'terminal', userId, kind: 'text', text });
const title = (text: string) => text.split('\n')[0];

describe('the whole guide, a part at a time', () => {
  it('web: the first reply is short and names the further parts; pressing one sends that part', async () => {
    const chat = webChat(base);
    const [first] = await chat('followups-web-1', { text: 'quen mat khau vneid' });
    expect(first!.text).not.toContain('1900 0368');
    const labels = first!.choices.map((c) => c.label);
    expect(labels).toEqual(expect.arrayContaining(['👍 Hữu ích', '❓ Nếu không được', '📌 Lưu ý', '🙋 Hỏi tình nguyện viên']));
    expect(labels.length).toBeLessThanOrEqual(7);
    const fix = first!.choices.find((c) => c.label === '❓ Nếu không được')!;
    expect(fix.id).toBe('part:vneid-quen-mat-khau:fix');
    const [part] = await chat('followups-web-1', { choice: fix.id });
    expect(part!.text).toMatch(/Nếu không được/);
    expect(part!.text).toContain('1900 0368');
    expect(part!.text).toMatch(/Nguồn: https:\/\//);
    expect(part!.choices.map((c) => c.label)).toEqual(expect.arrayContaining(['📌 Lưu ý', '📄 Các bước']));
    // a part id never shown to this session is stale
    const [forged] = await chat('followups-web-2', { choice: 'part:vneid-ly-lich-tu-phap:fees' });
    expect(forged!.text).not.toContain('200.000');
  });

  it('Zalo: the parts are numbered, and typing the number sends the part', async () => {
    const zalo = new ZaloChannel({
      client: new ZaloClient({ token: fake.token, baseUrl: fake.base, timeoutMs: 5000 }),
      conversation: app.conversation,
      db: app.db,
      log: app.log,
    });
    await zalo.init();
    const send = (text: string) => zalo.handle(parseZaloUpdate(zaloText(text, 'zfu1'))!);
    await send('xin ly lich tu phap tren dien thoai');
    const answer = fake.sent('zfu1').at(-1)!.body.text as string;
    const fees = /\n(\d)\. 💰 Lệ phí/.exec(answer);
    expect(fees).not.toBeNull();
    await send(fees![1]!);
    const part = fake.sent('zfu1').at(-1)!.body.text as string;
    expect(part).toContain('200.000 đ');
    await zalo.stop();
  });
});

describe('the parts on Telegram', () => {
  it('are inline buttons; pressing one sends that part as HTML', async () => {
    const telegram = await startFakeTelegram();
    const tg = new TelegramChannel({
      token: telegram.token,
      apiRoot: telegram.apiRoot,
      conversation: app.conversation,
      db: app.db,
      log: app.log,
    });
    try {
      await tg.init();
      tg.startPolling();
      const chat = 7301;
      const toChat = () => telegram.sent().filter((c) => Number(c.body.chat_id) === chat);
      telegram.push(textUpdate('xin ly lich tu phap tren dien thoai', chat));
      await telegram.waitFor(() => toChat().length > 0);
      const buttons = toChat()[0]!.body.reply_markup.inline_keyboard.flat() as { text: string; callback_data: string }[];
      const fees = buttons.find((b) => b.text === '💰 Lệ phí')!;
      expect(fees.callback_data).toMatch(/^part:[a-z0-9-]+:fees$/);
      telegram.push(callbackUpdate(fees.callback_data, chat));
      await telegram.waitFor(() => toChat().length > 1);
      expect(toChat()[1]!.body.parse_mode).toBe('HTML');
      expect(toChat()[1]!.body.text).toContain('200.000 đ');
    } finally {
      await tg.stop();
      await telegram.close();
    }
  });
});

describe('follow-ups in context, without an LLM', () => {
  it('"phi bao nhieu" after the criminal-record guide is answered with its fees', async () => {
    const user = newUser();
    const [first] = await say(user, 'xin ly lich tu phap tren vneid the nao');
    expect(title(first!.text)).toMatch(/lý lịch tư pháp/);
    const [fees] = await say(user, 'phi bao nhieu');
    expect(title(fees!.text)).toMatch(/lý lịch tư pháp trên VNeID — 💰 Lệ phí/);
    expect(fees!.text).toContain('200.000 đ');
    const [more] = await say(user, 'xem them');
    expect(title(more!.text)).toMatch(/lý lịch tư pháp trên VNeID — /);
  });

  it('a follow-up that clearly changes topic gets the new guide', async () => {
    const user = newUser();
    await say(user, 'xin ly lich tu phap tren vneid the nao');
    const [other] = await say(user, 'quen mat khau vneid phai lam sao');
    expect(title(other!.text)).toMatch(/Quên mật khẩu/);
    const [fix] = await say(user, 'khong duoc thi sao');
    expect(title(fix!.text)).toMatch(/Quên mật khẩu .* — ❓ Nếu không được/);
  });

  it('the topic expires: after 30 minutes a follow-up is read on its own', async () => {
    const user = newUser();
    await say(user, 'xin ly lich tu phap tren vneid the nao');
    // the clock moves on: the remembered topic is 31 minutes old
    await app.db.query(
      `update conversation_topics set at = at - interval '31 minutes'
        where user_id = (select id from users where external_id = $1)`,
      [user],
    );
    const [later] = await say(user, 'phi bao nhieu');
    expect(later!.text).not.toContain('200.000 đ');
  });

  it('the topic lives TOPIC_MINUTES on the clock it is given', async () => {
    let now = new Date('2026-12-04T08:00:00Z');
    const topics = new Topics(app.db, () => now);
    // the real ask feature on the app's database and asker, with a clock the test moves
    const conversation = new Conversation({
      db: app.db,
      log: app.log,
      rateLimit: false,
      features: [askFeature({ db: app.db, asker: app.asker, topics })],
    });
    const user = newUser();
    const ask = (text: string) => conversation.handle({ channel: 'terminal', userId: user, kind: 'text', text });
    await ask('xin ly lich tu phap tren vneid the nao');
    now = new Date(now.getTime() + (TOPIC_MINUTES - 1) * 60_000);
    expect((await ask('phi bao nhieu'))[0]!.text).toContain('200.000 đ');
    now = new Date(now.getTime() + (TOPIC_MINUTES + 1) * 60_000);
    expect((await ask('phi bao nhieu'))[0]!.text).not.toContain('200.000 đ');
  });
});
