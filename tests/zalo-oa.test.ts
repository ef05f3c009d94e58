import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { deliveryErrorOf, OA_MAX_BUTTONS, OA_WEBHOOK_PATH, oaMessages, ZaloOaChannel } from '../src/channels/zalo-oa/channel.ts';
import { OaApiError, OaClient } from '../src/channels/zalo-oa/client.ts';
import { CHOICE_PAYLOAD_PREFIX } from '../src/channels/zalo-oa/event.ts';
import { createServer } from '../src/http/server.ts';
import { oaEvent, signedDelivery, startFakeOa, type FakeOa, type OaDelivery } from './fakes/zalo-oa.ts';
import { memoryApp } from './helpers/app.ts';
import { waitUntil } from './helpers/wait.ts';

const APP_ID = '4321098765432109876';
const KEY = 'oa-secret-key-test';

let app: App;
let fake: FakeOa;
let channel: ZaloOaChannel;
let server: FastifyInstance;
let base: string;
beforeAll(async () => {
  app = await memoryApp();
  fake = await startFakeOa();
  const client = new OaClient({ accessToken: async () => fake.accessToken, apiBase: fake.apiBase });
  channel = new ZaloOaChannel({ client, appId: APP_ID, secretKey: KEY, conversation: app.conversation, db: app.db, log: app.log });
  server = await createServer(app);
  await channel.startWebhook(server);
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await channel?.stop();
  await server?.close();
  await fake?.close();
  await app?.close();
});

let n = 0;
const citizen = () => `84${Date.now() % 1e6}${++n}`;
const post = (d: OaDelivery) => fetch(`${base}${OA_WEBHOOK_PATH}`, { method: 'POST', headers: d.headers, body: d.rawBody });
const says = (user: string, text: string, msgId = `m-${++n}`) =>
  signedDelivery(oaEvent(APP_ID, 'user_send_text', user, { message: { msg_id: msgId, text } }), KEY);
const recorded = async () =>
  (await app.db.query<{ n: number }>(`select count(*)::int as n from inbound_updates where channel = 'zalo-oa'`))[0]!.n;

describe('the Zalo OA channel over a fake OA API', () => {
  it('answers a question with buttons; a pressed button comes back as a choice and is answered', async () => {
    const user = citizen();
    expect((await post(says(user, 'quen mat khau vneid'))).status).toBe(200);
    await waitUntil(() => fake.to(user).length > 0, 'the answer');
    await channel.idle();
    const answer = fake.to(user).find((s) => s.message.text.includes('Quên mật khẩu'))!;
    const buttons = answer.message.attachment!.payload.buttons;
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.length).toBeLessThanOrEqual(OA_MAX_BUTTONS);
    for (const b of buttons) {
      expect(b.type).toBe('oa.query.hide');
      expect(b.payload.startsWith(CHOICE_PAYLOAD_PREFIX)).toBe(true);
    }
    // the citizen presses the first button: Zalo sends its payload back as the citizen's text
    const before = fake.to(user).length;
    expect((await post(says(user, buttons[0]!.payload))).status).toBe(200);
    await waitUntil(() => fake.to(user).length > before, 'the answer to the press');
    await channel.idle();
    expect(
      fake
        .to(user)
        .slice(before)
        .map((s) => s.message.text)
        .join('\n'),
    ).not.toMatch(/chưa hiểu|trục trặc/);
  });

  it('a redelivered event (same msg_id) is recorded once and answered once', async () => {
    const user = citizen();
    const key = `dup-${user}`;
    const d = says(user, 'cai vneid tren iphone', key);
    for (let i = 0; i < 3; i++) expect((await post(d)).status).toBe(200);
    await waitUntil(() => fake.to(user).length > 0, 'the answer');
    await channel.idle();
    const [row] = await app.db.query<{ n: number }>(
      `select count(*)::int as n from inbound_updates where channel = 'zalo-oa' and update_key = $1`,
      [key],
    );
    expect(row!.n).toBe(1);
    expect(fake.to(user).filter((s) => s.message.text.includes('VNeID')).length).toBe(1);
  });

  it('forged, unsigned, stale and foreign deliveries get 200 and are neither recorded nor answered', async () => {
    const user = citizen();
    const real = says(user, 'quen mat khau vneid');
    const stale = signedDelivery(
      oaEvent(APP_ID, 'user_send_text', user, { message: { msg_id: 'old', text: 'a' }, at: Date.now() - 4 * 3600_000 }),
      KEY,
    );
    const foreign = signedDelivery(oaEvent('999', 'user_send_text', user, { message: { msg_id: 'f', text: 'a' } }), KEY);
    const before = await recorded();
    for (const d of [
      { ...real, headers: { 'content-type': 'application/json' } },
      { ...real, headers: { ...real.headers, 'x-zevent-signature': `mac=${'0'.repeat(64)}` } },
      { ...real, rawBody: real.rawBody.replace('quen', 'QUEN') },
      signedDelivery(JSON.parse(real.rawBody), 'not-our-key'),
      stale,
      foreign,
      { rawBody: 'not json at all', headers: real.headers },
      { rawBody: 'x'.repeat(300 * 1024), headers: real.headers },
    ])
      expect([200, 413]).toContain((await post(d)).status);
    await channel.idle();
    expect(await recorded()).toBe(before);
    expect(fake.to(user)).toEqual([]);
  });
});

describe('what goes out on the OA', () => {
  it('long text split under 2,000 characters, the buttons under the last part, choices past five numbered', () => {
    const choices = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, label: `Lựa chọn ${i + 1}` }));
    const long = Array.from({ length: 30 }, (_, i) => `Đoạn ${i}: ${'chữ '.repeat(20)}`).join('\n\n');
    const messages = oaMessages({ text: `**Tiêu đề**\n\n${long}`, choices });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.text.length).toBeLessThanOrEqual(2000);
    expect(messages[0]!.text.startsWith('Tiêu đề')).toBe(true);
    const last = messages.at(-1)!;
    expect('attachment' in last && last.attachment.payload.buttons.map((b) => b.payload)).toEqual(
      choices.slice(0, 5).map((c) => `${CHOICE_PAYLOAD_PREFIX}${c.id}`),
    );
    expect(last.text).toMatch(/6\. Lựa chọn 6\n7\. Lựa chọn 7/);
    expect(messages.slice(0, -1).every((m) => !('attachment' in m))).toBe(true);
  });

  it("the OA's errors become wait, unreachable, retry or give up", () => {
    const kind = (code: number) => deliveryErrorOf(new OaApiError('/v3.0/oa/message/cs', code, 'x')).kind;
    expect(kind(-32)).toBe('rate-limited');
    expect(kind(-211)).toBe('rate-limited');
    expect(kind(-1471)).toBe('rate-limited');
    expect(kind(-230)).toBe('blocked'); // no interaction for 7 days: not sent, never retried into a paid message
    expect(kind(-213)).toBe('blocked');
    expect(kind(-216)).toBe('transient'); // a token to refresh
    expect(kind(0)).toBe('transient');
    expect(kind(-201)).toBe('permanent');
  });

  it('the client checks error, not only the HTTP status, and never shows the token', async () => {
    const client = new OaClient({ accessToken: async () => 'wrong-token-abc', apiBase: fake.apiBase });
    const err = await client.sendCs('1', { text: 'a' }).catch((e: unknown) => e as OaApiError);
    expect(err).toBeInstanceOf(OaApiError);
    expect(err).toMatchObject({ error: -216 });
    expect(String(err)).not.toContain('wrong-token-abc');
    await client.close();
  });
});
