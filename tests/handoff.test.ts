import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { ZaloChannel } from '../src/channels/zalo/channel.ts';
import { ZaloClient } from '../src/channels/zalo/client.ts';
import { parseZaloUpdate } from '../src/channels/zalo/update.ts';
import { Conversation } from '../src/core/conversation.ts';
import type { Inbound } from '../src/core/message.ts';
import type { Db, Queryable } from '../src/db/index.ts';
import { handoffFeature } from '../src/handoff/feature.ts';
import { guideSuggestions, handoffStats } from '../src/handoff/stats.ts';
import { sweepTickets } from '../src/handoff/timeouts.ts';
import { addVolunteer, createInvite } from '../src/handoff/volunteers.ts';
import { createServer } from '../src/http/server.ts';
import { localHour, nextLocalTime } from '../src/time/vietnam.ts';
import { silentLogger } from '../src/log.ts';
import { startPushWorker, type PushWorker } from '../src/push/outbox.ts';
import { callbackUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { fixtureData, memoryApp, seedDataDir, serverAppFor, testConfig } from './helpers/app.ts';
import { pgAvailable } from './helpers/pg.ts';
import { waitUntil } from './helpers/wait.ts';

const GROUP = -100500;
/** Config tokens only need to be well-formed: the channels below talk to the fakes with the fakes' tokens. */
const ENV = {
  TELEGRAM_BOT_TOKEN: `123456:${'x'.repeat(30)}`,
  ZALO_BOT_TOKEN: '1234567890:zalo-test-secret',
  VOLUNTEER_CHAT_ID: String(GROUP),
  VOLUNTEER_HOURS: '0-24',
};

/** The assistant with Telegram (polling a fake), Zalo (updates handed in) and the web chat on loopback, and a push worker. */
class Stage {
  app!: App;
  tg!: TelegramChannel;
  zalo!: ZaloChannel;
  http!: FastifyInstance;
  base = '';
  pushes!: PushWorker;

  constructor(
    readonly telegram: FakeTelegram,
    readonly zaloApi: FakeZalo,
  ) {}

  async start(app: App): Promise<this> {
    this.app = app;
    this.tg = new TelegramChannel({
      token: this.telegram.token,
      apiRoot: this.telegram.apiRoot,
      conversation: app.conversation,
      db: app.db,
      log: app.log,
    });
    await this.tg.init();
    this.tg.startPolling();
    const client = new ZaloClient({ token: this.zaloApi.token, baseUrl: this.zaloApi.base, timeoutMs: 5000 });
    this.zalo = new ZaloChannel({ client, conversation: app.conversation, db: app.db, log: app.log });
    await this.zalo.init();
    // both connected (as startChannels would record it): handoff announces on them
    for (const output of [this.tg.output, this.zalo.output]) app.pushChannels.add(output.name);
    const senders = { telegram: this.tg.output, zalo: this.zalo.output };
    this.pushes = startPushWorker({ db: app.db, senders, log: app.log, signal: app.pushSignal, intervalMs: 200 });
    this.http = await createServer(app);
    this.base = (await this.http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    return this;
  }

  async stop(): Promise<void> {
    await this.pushes.stop();
    await this.tg.stop();
    await this.zalo.stop();
    await this.http.close();
  }

  /** Telegram messages sent to a chat. */
  toTelegram = (chat: number) =>
    this.telegram
      .sent()
      .filter((c) => Number(c.body.chat_id) === chat)
      .map((c) => c.body as { text: string; reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] } });
  toZalo = (chat: string) => this.zaloApi.sent(chat).map((c) => c.body.text as string);

  async web(session: string, body: { text?: string; choice?: string }) {
    const res = await fetch(`${this.base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session, ...body }),
    });
    return ((await res.json()) as { replies: { text: string; choices: { id: string; label: string }[] }[] }).replies;
  }

  private cursors = new Map<string, number>();
  /** What the web page's poll would show now. */
  async inbox(session: string) {
    const res = await fetch(`${this.base}/api/inbox?session=${session}&after=${this.cursors.get(session) ?? 0}`);
    const body = (await res.json()) as { replies: { text: string; choices: { id: string }[] }[]; cursor: number };
    this.cursors.set(session, body.cursor);
    return body.replies;
  }

  async waitInbox(session: string, pattern: RegExp) {
    let seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const replies = await this.inbox(session);
      seen = seen.concat(replies.map((r) => r.text));
      const hit = replies.find((r) => pattern.test(r.text));
      if (hit) return hit;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`web inbox never showed ${pattern}; saw ${JSON.stringify(seen)}`);
  }

  /** A Telegram user types in their private chat with the bot. */
  say(userId: number, text: string) {
    this.telegram.push(textUpdate(text, userId));
  }
  /** A Telegram user presses a button under a message in `chat` (their private chat, or the volunteer group). */
  press(userId: number, data: string, chat = userId) {
    this.telegram.push(callbackUpdate(data, userId, { chat, firstName: 'Lan' }));
  }
  zaloSay(userId: string, text: string) {
    return this.zalo.handle(parseZaloUpdate(zaloText(text, userId))!);
  }
  zaloPhoto(userId: string) {
    return this.zalo.handle(
      parseZaloUpdate({
        event_name: 'message.image.received',
        message: {
          from: { id: userId },
          chat: { id: userId, chat_type: 'PRIVATE' },
          photo_url: 'https://x/cccd.jpg',
          message_id: `img-${Math.random()}`,
          date: Date.now(),
        },
      })!,
    );
  }
}

const ticketId = (text: string) => Number(/#(\d+)/.exec(text)![1]);

/** Both fakes and the assistant on `config` (in memory, unless `memory` is false: then on its DATA_DIR). */
async function openStage(config: Config, memory = true) {
  const telegram = await startFakeTelegram();
  const zaloApi = await startFakeZalo();
  if (!memory) await seedDataDir(config.DATA_DIR);
  const stage = await new Stage(telegram, zaloApi).start(
    await createApp(config, silentLogger, { memory, progress: () => {}, ...(memory ? await fixtureData() : {}) }),
  );
  return { telegram, zaloApi, stage };
}

async function closeStage(stage?: Stage, telegram?: FakeTelegram, zaloApi?: FakeZalo) {
  await stage?.stop();
  await stage?.app.close();
  await telegram?.close();
  await zaloApi?.close();
}

// one story told in steps: each step starts where the last one ended, so they run in order
describe('a web citizen helped by a Telegram volunteer: the whole cycle', { shuffle: false }, () => {
  let telegram: FakeTelegram;
  let zaloApi: FakeZalo;
  let stage: Stage;
  const LAN = 9001;
  const STRANGER = 7777;
  const web = 'citizen-web-0001';
  beforeAll(async () => {
    ({ telegram, zaloApi, stage } = await openStage(testConfig(ENV)));
    await addVolunteer(stage.app.db, { channel: 'telegram', externalId: String(LAN), name: 'Lan' });
  });
  afterAll(async () => {
    await closeStage(stage, telegram, zaloApi);
  });

  let id = 0;
  it('offers a volunteer after a question, pre-fills the problem line, confirms number, queue position and wait', async () => {
    const [answer] = await stage.web(web, { text: 'quen mat khau vneid, sdt cua toi 0912345678' });
    expect(answer!.choices.map((c) => c.id)).toContain('human');
    const [ask] = await stage.web(web, { choice: 'human' });
    expect(ask!.text).toMatch(/một câu/);
    expect(ask!.text).toContain('[số điện thoại]'); // the pre-filled line is the redacted question
    expect(ask!.text).not.toContain('0912345678');
    const [confirm] = await stage.web(web, { choice: 'ticket:last' });
    id = ticketId(confirm!.text);
    expect(confirm!.text).toMatch(/Đã gửi yêu cầu \*\*#\d+\*\*/);
    expect(confirm!.text).toMatch(/người \*\*tiếp theo\*\*/);
    expect(confirm!.text).toMatch(/đang trực.*15 phút/s);
  });

  it('announces it in the volunteer group with a pseudonym and a claim button, never the phone number or session', async () => {
    await telegram.waitFor(() => stage.toTelegram(GROUP).length > 0);
    const [announcement] = stage.toTelegram(GROUP);
    expect(announcement!.text).toMatch(new RegExp(`Yêu cầu mới.*#${id}.*web chat.*Người dân [A-Z0-9]{4}`, 's'));
    expect(announcement!.text).not.toMatch(/0912345678|citizen-web/);
    expect(announcement!.reply_markup!.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([`claim:${id}`]);
  });

  it('lets no one but a registered volunteer claim, list or act', async () => {
    stage.press(STRANGER, `claim:${id}`, GROUP);
    await telegram.waitFor(() => stage.toTelegram(GROUP).length > 1);
    expect(stage.toTelegram(GROUP).at(-1)!.text).toMatch(/chỉ dành cho tình nguyện viên đã đăng ký/);
    for (const command of ['/yeucau', '/xong', '/tra', '/chuyen Lan', '/luu hay lam']) stage.say(STRANGER, command);
    await telegram.waitFor(() => stage.toTelegram(STRANGER).length >= 5);
    for (const m of stage.toTelegram(STRANGER)) expect(m.text).toMatch(/chỉ dành cho tình nguyện viên/);
    const [row] = await stage.app.db.query<{ status: string }>('select status from tickets where id = $1', [id]);
    expect(row!.status).toBe('waiting');
  });

  it('the volunteer claims in the group; gets the redacted conversation privately; the citizen is told who', async () => {
    stage.press(LAN, `claim:${id}`, GROUP);
    await telegram.waitFor(() => stage.toTelegram(GROUP).some((m) => m.text.includes(`Lan đã nhận yêu cầu #${id}`)));
    await telegram.waitFor(() => stage.toTelegram(LAN).length > 0);
    const note = stage.toTelegram(LAN)[0]!.text;
    expect(note).toMatch(/quen mat khau vneid/);
    expect(note).not.toContain('0912345678');
    expect(note).toMatch(/\/xong/);
    await stage.waitInbox(web, /Tình nguyện viên <b>Lan<\/b>|Tình nguyện viên \*\*Lan\*\*/);
  });

  it('relays both ways: the bot stays silent; the volunteer signs with a first name; personal numbers are masked', async () => {
    expect(await stage.web(web, { text: 'toi bam quen mat khau roi, so cccd 001234567890' })).toEqual([]);
    await telegram.waitFor(() => stage.toTelegram(LAN).some((m) => m.text.includes('toi bam quen mat khau roi')));
    const relayed = stage.toTelegram(LAN).at(-1)!.text;
    expect(relayed).toMatch(new RegExp(`#${id} · Người dân [A-Z0-9]{4}`));
    expect(relayed).toContain('[số định danh]');
    expect(relayed).not.toContain('001234567890');
    // malformed text (a lone surrogate from a broken client) is relayed, not an error
    expect(await stage.web(web, { text: 'cháu ơi \ud83d' })).toEqual([]);
    await telegram.waitFor(() => stage.toTelegram(LAN).some((m) => m.text.includes('cháu ơi')));
    // a question the bot would answer goes to the volunteer too
    expect(await stage.web(web, { text: 'dang ky tam tru online the nao' })).toEqual([]);
    // someone who is not holding the request cannot speak to the citizen: the bot answers them itself
    stage.say(STRANGER, 'Bác gửi cháu mã OTP nhé');
    await telegram.waitFor(() => stage.toTelegram(STRANGER).length >= 6);
    stage.say(LAN, 'Bác mở VNeID, bấm "Quên mật khẩu", nhập số điện thoại rồi chờ mã OTP gửi về máy. Không đọc mã cho ai nhé.');
    const back = await stage.waitInbox(web, /Lan\*\* \(tình nguyện viên\)/);
    expect(back.text).toMatch(/Bác mở VNeID, bấm "Quên mật khẩu"/);
    const toCitizen = await stage.app.db.query<{ reply: { text: string } }>(`select reply from push_outbox where address = $1`, [web]);
    expect(toCitizen.map((r) => r.reply.text).join('\n')).not.toContain('gửi cháu mã OTP');
    const stored = await stage.app.db.query<{ sender: string; text: string }>(
      'select sender, text from ticket_messages where ticket_id = $1 order by id',
      [id],
    );
    expect(stored.map((m) => m.sender)).toEqual(['citizen', 'citizen', 'citizen', 'volunteer']);
    expect(stored.map((m) => m.text).join(' ')).not.toContain('001234567890');
  });

  it('/luu saves the answer for editors; /xong closes; the citizen rates and comments; the bot answers again', async () => {
    stage.say(LAN, '/luu');
    await telegram.waitFor(() => stage.toTelegram(LAN).some((m) => m.text.includes('Đã lưu gợi ý')));
    stage.say(LAN, '/xong');
    await telegram.waitFor(() => stage.toTelegram(LAN).some((m) => m.text.includes(`Đã đóng yêu cầu #${id}`)));
    const rate = await stage.waitInbox(web, /chấm điểm/);
    expect(rate.choices.map((c) => c.id)).toEqual([1, 2, 3, 4, 5].map((n) => `rate:${id}:${n}`));
    const [comment] = await stage.web(web, { choice: `rate:${id}:5` });
    expect(comment!.text).toMatch(/góp ý/);
    const [thanks] = await stage.web(web, { text: 'Cảm ơn cô Lan rất nhiều' });
    expect(thanks!.text).toMatch(/Cảm ơn bạn/);
    const [again] = await stage.web(web, { text: 'quen mat khau vneid' });
    expect(again!.text).toMatch(/mật khẩu/i);
    expect(again!.text).toMatch(/Nguồn:/);

    const [ticket] = await stage.app.db.query<{ status: string; rating: number; comment: string; first_response_at: Date | null }>(
      'select * from tickets where id = $1',
      [id],
    );
    expect(ticket).toMatchObject({ status: 'closed', rating: 5, comment: 'Cảm ơn cô Lan rất nhiều' });
    expect(ticket!.first_response_at).not.toBeNull();
    const [suggestion] = await guideSuggestions(stage.app.db);
    expect(suggestion).toMatchObject({ volunteer: 'Lan', question: expect.stringContaining('quen mat khau vneid') as unknown as string });
    expect(suggestion!.answer).toMatch(/Quên mật khẩu/);
    const stats = await handoffStats(stage.app.db);
    expect(stats.overall).toMatchObject({ tickets: 1, closed: 1, rating: 5, ratings: 1 });
    expect(stats.volunteers).toEqual([expect.objectContaining({ volunteer: 'Lan (1)', closed: 1 })]);
  });

  it('an invite code makes a Telegram user a volunteer once; /huy cancels a waiting request', async () => {
    const code = await createInvite(stage.app.db, 'Minh');
    stage.say(8002, `/thamgia ${code}`);
    await telegram.waitFor(() => stage.toTelegram(8002).length > 0);
    expect(stage.toTelegram(8002)[0]!.text).toMatch(/Chào Minh/);
    stage.say(8003, `/thamgia ${code}`);
    await telegram.waitFor(() => stage.toTelegram(8003).length > 0);
    expect(stage.toTelegram(8003)[0]!.text).toMatch(/không đúng, đã dùng rồi/);

    const [confirm] = await stage.web('citizen-web-0002', { text: '/tinhnguyenvien khong nop duoc ho so' });
    expect(confirm!.text).toMatch(/Đã gửi yêu cầu/);
    const [cancelled] = await stage.web('citizen-web-0002', { text: '/huy' });
    expect(cancelled!.text).toMatch(/Đã hủy yêu cầu/);
  });
});

// one story told in steps: each step starts where the last one ended, so they run in order
describe('a Zalo citizen served by Telegram volunteers: photo refused, hand-back, transfer, restart', { shuffle: false }, () => {
  let telegram: FakeTelegram;
  let zaloApi: FakeZalo;
  let stage: Stage;
  const dir = mkdtempSync(join(tmpdir(), 'binhdan-handoff-'));
  const config = testConfig({ ...ENV, DATA_DIR: dir });
  const [HOA, BINH] = [9101, 9102];
  const citizen = 'zalo-citizen-1';
  beforeAll(async () => {
    ({ telegram, zaloApi, stage } = await openStage(config, false));
    await addVolunteer(stage.app.db, { channel: 'telegram', externalId: String(HOA), name: 'Hoa' });
    await addVolunteer(stage.app.db, { channel: 'telegram', externalId: String(BINH), name: 'Bình' });
  });
  afterAll(async () => {
    await closeStage(stage, telegram, zaloApi);
    rmSync(dir, { recursive: true, force: true });
  });

  let id = 0;
  it('opens from plain words, is claimed with /nhan, and refuses a photo with a warning about ID documents', async () => {
    await stage.zaloSay(citizen, 'cho tôi gặp người thật');
    expect(stage.toZalo(citizen).at(-1)).toMatch(/một câu/);
    await stage.zaloSay(citizen, 'khong nhan duoc ma kich hoat vneid');
    id = ticketId(stage.toZalo(citizen).at(-1)!);
    await telegram.waitFor(() => stage.toTelegram(GROUP).some((m) => m.text.includes(`#${id}`) && m.text.includes('Zalo')));
    stage.say(HOA, `/nhan ${id}`);
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => t.includes('Hoa')));
    await stage.zaloPhoto(citizen);
    expect(stage.toZalo(citizen).at(-1)).toMatch(/Đừng gửi ảnh căn cước/);
    await telegram.waitFor(() => stage.toTelegram(HOA).some((m) => m.text.includes('vừa gửi một ảnh')));
  });

  it('a second claim is told who has it', async () => {
    stage.say(BINH, `/nhan ${id}`);
    await telegram.waitFor(() => stage.toTelegram(BINH).length > 0);
    expect(stage.toTelegram(BINH).at(-1)!.text).toMatch(new RegExp(`#${id} đã có Hoa nhận rồi`));
  });

  it('keeps the relay and every message across a restart', async () => {
    // the volunteer answers; the process stops before the push goes out
    await stage.pushes.stop();
    const sentBefore = stage.toZalo(citizen).length;
    stage.say(HOA, 'Chào bác, bác kiểm tra tin nhắn SMS giúp cháu nhé.');
    await waitUntil(
      async () => (await stage.app.db.query(`select 1 from push_outbox where status = 'pending' and channel = 'zalo'`)).length > 0,
      'relay queued',
    );
    await stage.stop();
    await stage.app.close();
    expect(stage.toZalo(citizen)).toHaveLength(sentBefore);

    stage = await new Stage(telegram, zaloApi).start(await createApp(config, silentLogger, { progress: () => {} }));
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => t.includes('kiểm tra tin nhắn SMS')));
    await stage.zaloSay(citizen, 'chau oi bac thay roi');
    expect(stage.toZalo(citizen).at(-1)).toMatch(/Hoa\*?\*? \(tình nguyện viên\)|kiểm tra tin nhắn SMS/);
    await telegram.waitFor(() => stage.toTelegram(HOA).some((m) => m.text.includes('chau oi bac thay roi')));
  });

  it('/tra returns it to the queue (the citizen is told); /chuyen hands it to another volunteer with the context', async () => {
    stage.say(HOA, '/tra');
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => t.includes('quay lại hàng chờ')));
    await telegram.waitFor(() =>
      stage
        .toTelegram(GROUP)
        .some((m) => m.text.includes(`Vẫn chờ người nhận **#${id}**`) || m.text.includes(`Vẫn chờ người nhận <b>#${id}</b>`)),
    );
    stage.say(BINH, `/nhan ${id}`);
    await telegram.waitFor(() => stage.toTelegram(BINH).some((m) => m.text.includes(`Yêu cầu <b>#${id}</b>`)));
    stage.say(BINH, '/chuyen hoa');
    await telegram.waitFor(() => stage.toTelegram(BINH).some((m) => m.text.includes(`Đã chuyển yêu cầu #${id} cho Hoa`)));
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => t.includes('được chuyển cho tình nguyện viên')));
    stage.say(HOA, 'Cháu Hoa đây ạ, bác thử lại giúp cháu.');
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => t.includes('Cháu Hoa đây ạ')));
  });

  it('closes; the Zalo citizen rates by typing a number', async () => {
    stage.say(HOA, '/xong');
    await zaloApi.waitFor(() => stage.toZalo(citizen).some((t) => /chấm điểm[\s\S]*5\. ⭐⭐⭐⭐⭐/.test(t)));
    await stage.zaloSay(citizen, '4');
    expect(stage.toZalo(citizen).at(-1)).toMatch(/góp ý/);
    const [row] = await stage.app.db.query<{ rating: number }>('select rating from tickets where id = $1', [id]);
    expect(row!.rating).toBe(4);
    const events = await stage.app.db.query<{ kind: string }>('select kind from ticket_events where ticket_id = $1 order by id', [id]);
    expect(events.map((e) => e.kind)).toEqual([
      'queued',
      'announced',
      'claimed',
      'returned',
      'reannounced',
      'claimed',
      'transferred',
      'closed',
      'rated',
    ]);
  });
});

describe('a Telegram citizen helped by a Zalo volunteer (announced privately, claimed by typing a number)', () => {
  let telegram: FakeTelegram;
  let zaloApi: FakeZalo;
  let stage: Stage;
  const citizen = 6001;
  const MAI = 'zalo-volunteer-mai';
  beforeAll(async () => {
    const { VOLUNTEER_CHAT_ID: _group, ...noGroup } = ENV;
    ({ telegram, zaloApi, stage } = await openStage(testConfig(noGroup)));
    await addVolunteer(stage.app.db, { channel: 'zalo', externalId: MAI, name: 'Mai' });
  });
  afterAll(async () => {
    await closeStage(stage, telegram, zaloApi);
  });

  it('request → private announcement → "1" claims → relay both ways → /xong → rating buttons → the bot answers again', async () => {
    stage.say(citizen, '/tinhnguyenvien');
    await telegram.waitFor(() => stage.toTelegram(citizen).length > 0);
    expect(stage.toTelegram(citizen)[0]!.text).toMatch(/một câu/);
    stage.say(citizen, 'khong biet cach nop ho so truc tuyen');
    await telegram.waitFor(() => stage.toTelegram(citizen).length > 1);
    const id = ticketId(stage.toTelegram(citizen)[1]!.text);

    await zaloApi.waitFor(() => stage.toZalo(MAI).length > 0);
    expect(stage.toZalo(MAI)[0]).toMatch(new RegExp(`Yêu cầu mới.*#${id}.*Telegram[\\s\\S]*1\\. 🙋 Nhận #${id}`, 's'));
    expect(stage.toZalo(MAI)[0]).not.toContain(String(citizen));
    await stage.zaloSay(MAI, '1');
    expect(stage.toZalo(MAI).join('\n')).toMatch(new RegExp(`Mai đã nhận yêu cầu #${id}`));
    await zaloApi.waitFor(() => stage.toZalo(MAI).some((t) => t.includes('khong biet cach nop ho so truc tuyen') && t.includes('/xong')));
    await telegram.waitFor(() => stage.toTelegram(citizen).some((m) => m.text.includes('<b>Mai</b> đã nhận')));

    stage.say(citizen, 'chau oi, bac o xa, khong ra xa duoc');
    await zaloApi.waitFor(() => stage.toZalo(MAI).some((t) => t.includes('bac o xa')));
    await stage.zaloSay(MAI, 'Bác vào dichvucong.gov.vn, đăng nhập bằng VNeID rồi chọn thủ tục cần nộp nhé.');
    await telegram.waitFor(() => stage.toTelegram(citizen).some((m) => m.text.includes('<b>Mai</b> (tình nguyện viên)')));

    await stage.zaloSay(MAI, '/xong');
    await telegram.waitFor(() => stage.toTelegram(citizen).some((m) => m.text.includes('chấm điểm')));
    const buttons = stage
      .toTelegram(citizen)
      .at(-1)!
      .reply_markup!.inline_keyboard.flat()
      .map((b) => b.callback_data);
    expect(buttons).toEqual([1, 2, 3, 4, 5].map((n) => `rate:${id}:${n}`));
    stage.press(citizen, `rate:${id}:5`);
    await telegram.waitFor(() => stage.toTelegram(citizen).at(-1)!.text.includes('góp ý'));
    stage.press(citizen, 'rate:0:skip');
    await telegram.waitFor(() => stage.toTelegram(citizen).at(-1)!.text.includes('Cảm ơn bạn'));
    stage.say(citizen, 'quen mat khau vneid');
    await telegram.waitFor(() => stage.toTelegram(citizen).at(-1)!.text.includes('Nguồn:'));
    const [row] = await stage.app.db.query<{ rating: number; comment: string | null }>(
      'select rating, comment from tickets where id = $1',
      [id],
    );
    expect(row).toEqual({ rating: 5, comment: null });
  });
});

describe('nobody left waiting silently (a controllable clock)', () => {
  let telegram: FakeTelegram;
  let zaloApi: FakeZalo;
  let stage: Stage;
  const web = 'citizen-web-0101';
  beforeAll(async () => {
    ({ telegram, zaloApi, stage } = await openStage(
      testConfig({ ...ENV, HANDOFF_REANNOUNCE_MINUTES: '10', HANDOFF_GIVE_UP_MINUTES: '60' }),
    ));
  });
  afterAll(async () => {
    await closeStage(stage, telegram, zaloApi);
  });

  it('re-announces after N minutes, then tells the citizen honestly with the hotline and in-person options', async () => {
    const [confirm] = await stage.web(web, { text: '/tinhnguyenvien khong dang nhap duoc dich vu cong' });
    const id = ticketId(confirm!.text);
    const t0 = Date.now();
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    // this request's own marks: other tests' requests may be swept at the same times
    const sweep = (minutes: number) => sweepTickets(stage.app.db, stage.app.handoff, at(minutes));
    const marks = async () =>
      (
        await stage.app.db.query<{ r: Date | null; g: Date | null }>(
          'select reannounced_at as r, gave_up_notice_at as g from tickets where id = $1',
          [id],
        )
      )[0]!;
    await sweep(9);
    expect(await marks()).toEqual({ r: null, g: null });
    await sweep(11);
    const { r } = await marks();
    expect(r).not.toBeNull();
    await sweep(12);
    expect(await marks()).toEqual({ r, g: null }); // announced again once, not at every sweep
    stage.app.pushSignal.kick();
    await telegram.waitFor(() => stage.toTelegram(GROUP).some((m) => m.text.includes('Vẫn chờ người nhận')));
    expect(await stage.inbox(web)).toEqual([]);
    await sweep(61);
    const { g } = await marks();
    expect(g).not.toBeNull();
    await sweep(90);
    expect((await marks()).g).toEqual(g);
    const [told] = await stage.inbox(web);
    expect(told!.text).toMatch(/60 phút/);
    expect(told!.text).toMatch(/Tổ công nghệ số cộng đồng/);
    expect(told!.text).toMatch(/Công an xã\/phường/);
    expect(told!.choices.map((c) => c.id)).toEqual(['guide:to-cong-nghe-so-cong-dong', 'guide:tong-dai-ho-tro']);
    const [row] = await stage.app.db.query<{ status: string }>('select status from tickets where id = $1', [id]);
    expect(row!.status).toBe('waiting'); // still in the queue: a volunteer may still come
  });

  it('counts on-duty time only: a request made off duty is re-announced N minutes after duty starts', async () => {
    const [confirm] = await stage.web('citizen-web-0104', { text: '/tinhnguyenvien hoi ve dich vu cong' });
    const id = ticketId(confirm!.text);
    const t0 = new Date();
    const start = (localHour(t0) + 3) % 24;
    const settings = { ...stage.app.handoff, dutyHours: [start, (start + 8) % 24] as const };
    const opens = nextLocalTime(t0, start, 0).getTime();
    const marks = async () =>
      (
        await stage.app.db.query<{ r: Date | null; g: Date | null }>(
          'select reannounced_at as r, gave_up_notice_at as g from tickets where id = $1',
          [id],
        )
      )[0]!;
    await sweepTickets(stage.app.db, settings, new Date(t0.getTime() + 61 * 60_000)); // still off duty
    expect(await marks()).toEqual({ r: null, g: null });
    await sweepTickets(stage.app.db, settings, new Date(opens + 9 * 60_000));
    expect((await marks()).r).toBeNull();
    await sweepTickets(stage.app.db, settings, new Date(opens + 11 * 60_000));
    expect((await marks()).r).not.toBeNull();
    await sweepTickets(stage.app.db, settings, new Date(opens + 59 * 60_000));
    expect((await marks()).g).toBeNull();
    await sweepTickets(stage.app.db, settings, new Date(opens + 61 * 60_000));
    expect((await marks()).g).not.toBeNull();
  });

  it('says when volunteers are off duty', async () => {
    const hour = (new Date().getUTCHours() + 7) % 24;
    const settings = { ...stage.app.handoff, dutyHours: [(hour + 2) % 24, (hour + 3) % 24] as const };
    const desk = new Conversation({
      db: stage.app.db,
      log: silentLogger,
      features: [handoffFeature({ db: stage.app.db, settings, pushChannels: new Set(['web', 'telegram']) })],
    });
    const [confirm] = await desk.handle({
      channel: 'web',
      userId: 'citizen-web-0102',
      kind: 'text',
      text: '/tinhnguyenvien can giup nop ho so',
    });
    expect(confirm!.text).toMatch(new RegExp(`ngoài giờ trực \\(${settings.dutyHours[0]}:00–${settings.dutyHours[1]}:00\\)`));
  });

  it('the terminal has no pushes, so it points to in-person help instead of opening a request', async () => {
    const [r] = await stage.app.conversation.handle({ channel: 'terminal', userId: 'local', kind: 'text', text: '/tinhnguyenvien' });
    expect(r!.text).toMatch(/chưa có tình nguyện viên trực tuyến/);
  });

  it('a request nobody can take is said once, points to in-person help and is recorded as unmet for handoff stats', async () => {
    const db = stage.app.db;
    const before = (await handoffStats(db)).overall;
    const user = 'terminal-unmet-0104';
    const handle = (text: string) => stage.app.conversation.handle({ channel: 'terminal', userId: user, kind: 'text', text });
    await handle('sổ đỏ làm lại ở đâu, gọi tôi 0912345678');
    const replies = await handle('cho tôi gặp người thật');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/chưa có tình nguyện viên trực tuyến/);
    expect(replies[0]!.text).toMatch(/Tổ công nghệ số cộng đồng/);
    expect(replies[0]!.choices!.map((c) => c.id)).toEqual(['guide:to-cong-nghe-so-cong-dong', 'guide:tong-dai-ho-tro']);
    await handle('/tinhnguyenvien'); // asking again at once is the same request
    const rows = await db.query<{ channel: string; problem: string | null }>(
      `select n.channel, n.problem from handoff_unmet n join users u on u.id = n.citizen_id where u.external_id = $1`,
      [user],
    );
    expect(rows).toEqual([{ channel: 'terminal', problem: expect.stringContaining('sổ đỏ làm lại ở đâu') }]);
    // no ticket: nobody would ever see it
    expect(await db.query(`select 1 from tickets t join users u on u.id = t.citizen_id where u.external_id = $1`, [user])).toEqual([]);
    expect(rows[0]!.problem).not.toMatch(/0912345678/);
    const stats = await handoffStats(db);
    expect(stats.overall.unmet).toBe(before.unmet + 1);
    // an unmet request is no request in the queue: the figures of real requests do not change
    expect(stats.overall).toMatchObject({ tickets: before.tickets, waiting: before.waiting });
    expect((await handoffStats(db, new Date(Date.now() + 60_000))).overall.unmet).toBe(0);
  });

  it('with no volunteer group and no volunteer registered, nobody is kept waiting for no one', async () => {
    const { volunteerChatId: _group, ...noGroup } = stage.app.handoff;
    const desk = new Conversation({
      db: stage.app.db,
      log: silentLogger,
      features: [handoffFeature({ db: stage.app.db, settings: noGroup, pushChannels: new Set(['web', 'telegram', 'zalo']) })],
    });
    const [r] = await desk.handle({ channel: 'web', userId: 'citizen-web-0103', kind: 'text', text: '/tinhnguyenvien can giup' });
    expect(r!.text).toMatch(/chưa có tình nguyện viên trực tuyến/);
    expect(r!.choices!.map((c) => c.id)).toEqual(['guide:to-cong-nghe-so-cong-dong', 'guide:tong-dai-ho-tro']);
    expect(
      await stage.app.db.query(`select 1 from tickets t join users u on u.id = t.citizen_id where u.external_id = 'citizen-web-0103'`),
    ).toEqual([]);
    expect(
      await stage.app.db.query(
        `select n.channel, n.problem from handoff_unmet n join users u on u.id = n.citizen_id where u.external_id = 'citizen-web-0103'`,
      ),
    ).toEqual([{ channel: 'web', problem: 'can giup' }]);
  });
});

/** `db` as handoff sees it, with every statement it runs written down (the real database answers them). */
function counted(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const watch = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      statements.push(sql.replace(/\s+/g, ' ').slice(0, 80));
      return q.query(sql, params);
    },
  });
  const watched = watch(db);
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === 'query') return watched.query;
      if (key === 'transaction') return <T>(work: (tx: Queryable) => Promise<T>) => target.transaction((tx) => work(watch(tx)));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, statements };
}

describe('what a message costs the help desk in SQL statements', () => {
  let app: App;
  beforeAll(async () => {
    app = await memoryApp(ENV);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('one lookup for an ordinary message; a relayed one adds only its own writes', async () => {
    const { db, statements } = counted(app.db);
    const desk = new Conversation({
      db: app.db,
      log: silentLogger,
      features: [handoffFeature({ db, settings: app.handoff, pushChannels: new Set(['web', 'telegram']) })],
    });
    const handoffStatements = async (inbound: Inbound) => {
      statements.length = 0;
      await desk.handle(inbound);
      return [...statements];
    };
    const citizen = (text: string): Inbound => ({ channel: 'web', userId: 'counted-citizen', kind: 'text', text });
    const volunteer = (text: string): Inbound => ({ channel: 'telegram', userId: '4242', kind: 'text', text });

    expect(await handoffStatements(citizen('quen mat khau vneid'))).toHaveLength(1);
    await addVolunteer(app.db, { channel: 'telegram', externalId: '4242', name: 'Thu' });
    const [confirm] = await desk.handle(citizen('/tinhnguyenvien khong dang nhap duoc'));
    const id = ticketId(confirm!.text);
    await desk.handle({ channel: 'telegram', userId: '4242', kind: 'choice', choice: `claim:${id}` });

    // the lookup, the relayed message, its push
    const fromCitizen = await handoffStatements(citizen('chau oi giup bac'));
    expect(fromCitizen, fromCitizen.join('\n')).toHaveLength(3);
    // the lookup, the relayed message (with the first-response time), its push
    const fromVolunteer = await handoffStatements(volunteer('Bác mở VNeID giúp cháu'));
    expect(fromVolunteer, fromVolunteer.join('\n')).toHaveLength(3);
    // a mistyped command (no command the core parses) is not relayed to the citizen either
    await desk.handle(volunteer('/xong.'));
    const stored = await app.db.query<{ sender: string }>('select sender from ticket_messages where ticket_id = $1 order by id', [id]);
    expect(stored.map((m) => m.sender)).toEqual(['citizen', 'volunteer']);
    const [ticket] = await app.db.query<{ first_response_at: Date | null }>('select first_response_at from tickets where id = $1', [id]);
    expect(ticket!.first_response_at).not.toBeNull();
  });
});

describe.skipIf(!(await pgAvailable()))('claims on the PostgreSQL server', () => {
  // 200 claims in a few seconds from two volunteers: far past any person's message budget, which is not what is tested
  const server = serverAppFor({ beforeAll, afterAll }, { ...ENV, MESSAGES_PER_USER_PER_MINUTE: '0' });

  it('two volunteers claiming the same request at once: exactly one wins, 100 times over', async () => {
    const { app } = server;
    for (const channel of ['telegram', 'zalo']) app.pushChannels.add(channel); // as if both had connected: the claims come from them
    await addVolunteer(app.db, { channel: 'telegram', externalId: '501', name: 'An' });
    await addVolunteer(app.db, { channel: 'zalo', externalId: 'z502', name: 'Bảo' });
    const claim = (userId: string, channel: string, id: number): Promise<string> =>
      app.conversation.handle({ channel, userId, kind: 'choice', choice: `claim:${id}` } satisfies Inbound).then((r) => r[0]!.text);
    const winners = { An: 0, Bảo: 0 };
    for (let i = 0; i < 100; i++) {
      const [confirm] = await app.conversation.handle({
        channel: 'web',
        userId: `race-citizen-${i}`,
        kind: 'text',
        text: `/tinhnguyenvien van de so ${i}`,
      });
      const id = ticketId(confirm!.text);
      const answers = await Promise.all([claim('501', 'telegram', id), claim('z502', 'zalo', id)]);
      const won = answers.filter((a) => a.startsWith('✅'));
      expect(won, answers.join(' | ')).toHaveLength(1);
      expect(answers.find((a) => !a.startsWith('✅'))).toMatch(new RegExp(`#${id} đã có (An|Bảo) nhận rồi`));
      winners[won[0]!.includes('An') ? 'An' : 'Bảo']++;
      const [row] = await app.db.query<{ n: number }>(
        `select count(*)::int as n from ticket_events where ticket_id = $1 and kind = 'claimed'`,
        [id],
      );
      expect(row!.n).toBe(1);
      // free the winner for the next round
      await app.conversation.handle({
        channel: won[0]!.includes('An') ? 'telegram' : 'zalo',
        userId: won[0]!.includes('An') ? '501' : 'z502',
        kind: 'text',
        text: '/xong',
      });
    }
    expect(winners.An + winners['Bảo']).toBe(100);
  });
});
