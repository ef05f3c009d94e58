import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { startChannels, type StartedChannels } from '../src/channels/start.ts';
import { TELEGRAM_SECRET_HEADER, webhookSecret } from '../src/channels/telegram.ts';
import { ZALO_SECRET_HEADER, zaloWebhookSecret } from '../src/channels/zalo/channel.ts';
import { addVolunteer } from '../src/handoff/volunteers.ts';
import { createServer } from '../src/http/server.ts';
import { callbackUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { memoryApp } from './helpers/app.ts';
import { waitUntil } from './helpers/wait.ts';
import { webChat } from './helpers/web.ts';

/** Personal values a citizen or a volunteer might type; none may be stored anywhere. */
const PERSONAL = {
  id: '079204001234',
  cmnd: '381234567',
  phone: '0912345678',
  volunteerPhone: '0987654321',
  otp: '483920',
  email: 'nguyen.van.a@gmail.com',
};
const TG_TOKEN = `123456:${'P'.repeat(30)}`;
const GROUP = -100777;
const VOLUNTEER = 9101;
const TG_CITIZEN = 9202;

describe('privacy trace: personal numbers through every channel and the help desk end nowhere in the database', () => {
  let app: App;
  let telegram: FakeTelegram;
  let zaloApi: FakeZalo;
  let server: FastifyInstance;
  let channels: StartedChannels;
  let base = '';
  let tgPath = '';
  let zaloPath = '';

  beforeAll(async () => {
    telegram = await startFakeTelegram(TG_TOKEN);
    zaloApi = await startFakeZalo();
    app = await memoryApp({
      TELEGRAM_BOT_TOKEN: TG_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      ZALO_BOT_TOKEN: zaloApi.token,
      ZALO_API_BASE: zaloApi.base,
      PUBLIC_URL: 'https://bot.example.vn',
      VOLUNTEER_CHAT_ID: String(GROUP),
      VOLUNTEER_HOURS: '0-24',
    });
    server = await createServer(app);
    channels = await startChannels(app, server);
    base = await server.listen({ port: 0, host: '127.0.0.1' });
    const hooks = telegram.sent('setWebhook').map((c) => String(c.body.url));
    tgPath = new URL(hooks.at(-1)!).pathname;
    zaloPath = new URL(String(zaloApi.calls.filter((c) => c.method === 'setWebhook').at(-1)!.body.url)).pathname;
    await addVolunteer(app.db, { channel: 'telegram', externalId: String(VOLUNTEER), name: 'Lan' });
  });
  afterAll(async () => {
    await Promise.allSettled((channels?.stops ?? []).map((stop) => stop()));
    await server?.close();
    await telegram?.close();
    await zaloApi?.close();
    await app?.close();
  });

  const web = (session: string, body: { text?: string; choice?: string }) => webChat(base)(session, body);
  let updateId = 5000;
  const tg = async (update: Record<string, unknown>) => {
    const res = await fetch(base + tgPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: webhookSecret(TG_TOKEN) },
      body: JSON.stringify({ update_id: ++updateId, ...update }),
    });
    expect(res.status).toBe(200);
  };
  const zalo = async (text: string, userId: string) => {
    const res = await fetch(base + zaloPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ZALO_SECRET_HEADER]: zaloWebhookSecret(zaloApi.token) },
      body: JSON.stringify(zaloText(text, userId)),
    });
    expect(res.status).toBe(200);
  };
  const press = (userId: number, data: string, chat: number) =>
    tg(callbackUpdate(data, userId, { chat, id: `cb-${updateId}`, firstName: 'Lan' }));
  /** Every intake row handled (or failed): the turns behind the acknowledged webhooks have run. */
  const settled = () =>
    waitUntil(
      async () => {
        const [row] = await app.db.query<{ n: number }>(`select count(*)::int as n from inbound_updates where status = 'pending'`);
        return row!.n === 0;
      },
      'intake settled',
      30_000,
    );

  it('web, Telegram, Zalo, a help request, the relay both ways, /luu, a rating comment', async () => {
    const session = `privacy-${process.pid}`;
    // web: a question with every kind of number, then a help request describing the problem with more of them
    await web(session, { text: `quen mat khau vneid, cccd ${PERSONAL.id}, sdt ${PERSONAL.phone}, mail ${PERSONAL.email}` });
    await web(session, { choice: 'human' });
    await web(session, { text: `cmnd cu ${PERSONAL.cmnd}, ma otp ${PERSONAL.otp} khong nhan duoc` });
    const confirm = await web(session, { choice: 'ticket:last' }).catch(() => []);
    const ticket = Number(
      /#(\d+)/.exec(confirm.map((r) => r.text).join(' '))?.[1] ??
        (await app.db.query<{ id: number }>('select max(id)::int as id from tickets'))[0]!.id,
    );
    expect(ticket).toBeGreaterThan(0);

    // the volunteer claims in the group, relays both ways, saves an answer and closes
    await press(VOLUNTEER, `claim:${ticket}`, GROUP);
    await settled();
    await web(session, { text: `so cua toi la ${PERSONAL.phone}, email ${PERSONAL.email}` });
    await tg(textUpdate(`Bac goi cho chau so ${PERSONAL.volunteerPhone} nhe, dung doc ma ${PERSONAL.otp} cho ai`, VOLUNTEER));
    await settled();
    await tg(textUpdate(`/luu Vao VNeID bam Quen mat khau, nhap so dinh danh ${PERSONAL.id}`, VOLUNTEER));
    await tg(textUpdate('/xong', VOLUNTEER));
    await settled();
    await web(session, { choice: `rate:${ticket}:5` });
    await web(session, { text: `Cam on, co gi goi ${PERSONAL.phone}` });

    // Telegram and Zalo citizens
    await tg(textUpdate(`toi muon doi so dien thoai ${PERSONAL.phone} tren vneid, cccd ${PERSONAL.id}`, TG_CITIZEN));
    await zalo(`ma otp ${PERSONAL.otp} cua toi la gi, email ${PERSONAL.email}, cmnd ${PERSONAL.cmnd}`, 'z-privacy-1');
    await settled();

    const [closed] = await app.db.query<{ status: string; rating: number | null }>('select status, rating from tickets where id = $1', [
      ticket,
    ]);
    expect(closed).toMatchObject({ status: 'closed', rating: 5 });

    // every row of every table, as text
    const tables = await app.db.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public'`);
    const leaks: string[] = [];
    for (const { name } of tables) {
      const rows = await app.db.query<{ row: string }>(`select row_to_json(t)::text as row from "${name}" t`);
      for (const { row } of rows) {
        for (const [kind, value] of Object.entries(PERSONAL))
          if (row.includes(value)) leaks.push(`${name}: ${kind} in ${row.slice(0, 160)}`);
      }
    }
    expect(leaks).toEqual([]);
    // and the trace really went through those tables
    for (const table of ['messages', 'inbound_updates', 'push_outbox', 'ticket_messages', 'guide_suggestions', 'asks']) {
      const [row] = await app.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
      expect(row!.n, table).toBeGreaterThan(0);
    }
  });
});
