import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { TelegramChannel } from '../src/channels/telegram.ts';
import { ZaloChannel } from '../src/channels/zalo/channel.ts';
import { ZaloClient } from '../src/channels/zalo/client.ts';
import { parseZaloUpdate } from '../src/channels/zalo/update.ts';
import { addVolunteer } from '../src/handoff/volunteers.ts';
import { createServer } from '../src/http/server.ts';
import { callbackUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from './fakes/telegram.ts';
import { startFakeZalo, zaloText, type FakeZalo } from './fakes/zalo.ts';
import { memoryApp } from './helpers/app.ts';
import { webChat } from './helpers/web.ts';

/**
 * Pressed ids the bot never showed — each a small change of one it did show — must do nothing but get a clear answer:
 * no course advanced, no lesson answered that the user is not on, no certificate, no vote on someone else's answer,
 * no ticket claimed.
 */

const COURSE = 'vneid-tu-a-den-z';
const OTHER_COURSE = 'an-toan-tren-mang';

/** Small changes of a shown id: numbers moved, ids swapped, parts added or dropped, another codec's name. */
function mutations(id: string, others: { askId: number; ticketId: number }): string[] {
  const parts = id.split(':');
  const out = new Set<string>();
  parts.forEach((part, i) => {
    const at = (value: string) => parts.map((p, j) => (j === i ? value : p)).join(':');
    if (i === 0) {
      for (const name of ['quiz', 'course', 'restart', 'fb', 'claim', 'rate', 'more', 'subat', 'QUIZ', 'quiz ', 'qu1z']) out.add(at(name));
    } else if (/^\d+$/.test(part)) {
      const n = Number(part);
      for (const v of [n + 1, n - 1, n + 6, 0, 99, 1e15 - 1]) out.add(at(String(v)));
      out.add(at(`${n}.0`));
      out.add(at(`-${n}`));
      out.add(at(` ${n}`));
    } else {
      for (const v of [OTHER_COURSE, COURSE, 'khong-co', "x' or 1=1 --", `${part}-x`, part.toUpperCase(), '']) out.add(at(v));
    }
  });
  out.add(`${id}:1`);
  out.add(parts.slice(0, -1).join(':'));
  out.add(`${id}x`);
  out.add(`fb:down:${others.askId}`);
  out.add(`fb:up:${others.askId}`);
  out.add(`claim:${others.ticketId}`);
  out.add(`rate:${others.ticketId}:5`);
  out.add(`quiz:${COURSE}:7:1`);
  out.add(`quiz:${COURSE}:2:1`);
  out.add(`restart:${COURSE}`);
  out.add('x'.repeat(64));
  out.add(`${id}${'9'.repeat(70)}`.slice(0, 64));
  out.delete(id);
  return [...out];
}

/** Every answer a forged press may get: stale, not yours, nothing there. Never the apology for a crash. */
const CLEAR = /đã cũ|Bạn gõ câu hỏi bằng chữ|chỉ dành cho tình nguyện viên|không còn nữa|Cảm ơn bạn|không đúng/;

let app: App;
let otherAsk: number;
let waitingTicket: number;
beforeAll(async () => {
  app = await memoryApp({ MESSAGES_PER_USER_PER_MINUTE: '0', WEB_REQUESTS_PER_MINUTE: '0' });
  // someone else's answer, and someone else's request waiting for a volunteer
  await app.conversation.handle({ channel: 'web', userId: 'other-citizen-1', kind: 'text', text: 'quen mat khau vneid' });
  otherAsk = Number((await app.db.query<{ id: string }>(`select max(id) as id from asks`))[0]!.id);
  await addVolunteer(app.db, { channel: 'web', externalId: 'volunteer-on-web-1', name: 'Chi' });
  const [queued] = await app.conversation.handle({
    channel: 'web',
    userId: 'other-citizen-1',
    kind: 'text',
    text: '/tinhnguyenvien khong vao duoc vneid',
  });
  waitingTicket = Number(/#(\d+)/.exec(queued!.text)?.[1]);
  expect(waitingTicket).toBeGreaterThan(0);
});
afterAll(async () => {
  await app?.close();
});

/** What a forged press could have changed for `channel`/`userId`, read from the database. */
async function stateOf(channel: string, userId: string) {
  const [user] = await app.db.query<{ id: string }>(`select id from users where channel = $1 and external_id = $2`, [channel, userId]);
  const id = user!.id;
  const q = async (sql: string, params: unknown[] = [id]) => JSON.stringify(await app.db.query(sql, params));
  return {
    enrollments: await q(`select course_id, next_position, completed_at from enrollments where user_id = $1 order by course_id`),
    answers: await q(`select course_id, position, choice from quiz_answers where user_id = $1 order by course_id, position`),
    certificates: await q(`select course_id from certificates where user_id = $1`),
    othersVotes: await q(
      `select f.ask_id from feedback f join asks a on a.id = f.ask_id where f.user_id = $1 and a.user_id is distinct from $1`,
    ),
    claimed: await q(`select id, status, volunteer_id from tickets where id = $1`, [waitingTicket]),
  };
}

/** Opens the course at lesson 1 and asks a question: the ids shown are the quiz options, the votes and the rest. */
async function showSomeIds(send: (text: string | { choice: string }) => Promise<{ text: string; ids: string[] }[]>): Promise<string[]> {
  const [list] = await send('/hoc');
  const course = list!.ids.find((id) => id === `course:${COURSE}`)!;
  const [lesson] = await send({ choice: course });
  expect(lesson!.text).toMatch(/Bài 1\/7/);
  const [answer] = await send('quen mat khau vneid');
  return [...lesson!.ids, ...answer!.ids];
}

async function tryAll(channel: string, userId: string, press: (id: string) => Promise<string[]>, shown: string[]) {
  const before = await stateOf(channel, userId);
  const tried = [...new Set(shown.flatMap((id) => mutations(id, { askId: otherAsk, ticketId: waitingTicket })))].filter(
    (id) => !shown.includes(id),
  );
  expect(tried.length).toBeGreaterThanOrEqual(30);
  for (const id of tried) {
    const texts = await press(id);
    expect(texts.length, id).toBeGreaterThan(0);
    expect(texts.join('\n'), id).toMatch(CLEAR);
    expect(texts.join('\n'), id).not.toMatch(/trục trặc/);
  }
  expect(await stateOf(channel, userId)).toEqual(before);
  const [lesson] = await app.db.query<{ next_position: number }>(
    `select e.next_position from enrollments e join users u on u.id = e.user_id
      where u.channel = $1 and u.external_id = $2 and e.course_id = $3`,
    [channel, userId, COURSE],
  );
  expect(lesson!.next_position).toBe(1);
  return tried.length;
}

describe('forged button ids do nothing harmful', () => {
  it('on the web chat (POST /api/chat with made-up choice ids)', async () => {
    const server: FastifyInstance = await createServer(app);
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const session = 'forger-web-0001';
      const post = (body: { text?: string; choice?: string }) => webChat(base)(session, body);
      const shown = await showSomeIds(async (m) =>
        (await post(typeof m === 'string' ? { text: m } : m)).map((r) => ({ text: r.text, ids: r.choices.map((c) => c.id) })),
      );
      const tried = await tryAll('web', session, async (choice) => (await post({ choice })).map((r) => r.text), shown);
      expect(tried).toBeGreaterThanOrEqual(30);
    } finally {
      await server.close();
    }
  });

  it('on Telegram (callback queries with made-up data)', async () => {
    const fake: FakeTelegram = await startFakeTelegram();
    const tg = new TelegramChannel({ token: fake.token, apiRoot: fake.apiRoot, conversation: app.conversation, db: app.db, log: app.log });
    try {
      await tg.init();
      tg.startPolling();
      const chat = 8801;
      const toChat = () => fake.sent().filter((c) => Number(c.body.chat_id) === chat);
      const idsOf = (body: { reply_markup?: { inline_keyboard?: { callback_data: string }[][] } }) =>
        (body.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
      const next = async (push: () => void) => {
        const seen = toChat().length;
        push();
        await fake.waitFor(() => toChat().length > seen);
        // a turn may send several messages; wait until the intake has nothing left for this chat
        await tg.idle();
        return toChat()
          .slice(seen)
          .map((c) => ({ text: c.body.text as string, ids: idsOf(c.body) }));
      };
      const press = (data: string) => next(() => fake.push(callbackUpdate(data, chat)));
      const shown = await showSomeIds((m) => (typeof m === 'string' ? next(() => fake.push(textUpdate(m, chat))) : press(m.choice)));
      await tryAll('telegram', String(chat), async (id) => (await press(id)).map((r) => r.text), shown);
    } finally {
      await tg.stop();
      await fake.close();
    }
  });

  it('on Zalo (ids and numbers typed, since Zalo has no buttons)', async () => {
    const fake: FakeZalo = await startFakeZalo();
    const zalo = new ZaloChannel({
      client: new ZaloClient({ token: fake.token, baseUrl: fake.base, timeoutMs: 5000 }),
      conversation: app.conversation,
      db: app.db,
      log: app.log,
    });
    try {
      await zalo.init();
      const user = 'zalo-forger-1';
      const say = async (text: string) => {
        const seen = fake.sent(user).length;
        await zalo.handle(parseZaloUpdate(zaloText(text, user))!);
        return fake
          .sent(user)
          .slice(seen)
          .map((c) => c.body.text as string);
      };
      await say('/hoc');
      expect((await say('1')).join('\n')).toMatch(/Bài 1\/7/);
      const before = await stateOf('zalo', user);
      const typed = [
        '0',
        '9',
        '99',
        '-1',
        '1.5',
        'số 12',
        'chon 0',
        `quiz:${COURSE}:1:1`,
        `quiz:${COURSE}:7:1`,
        `course:${OTHER_COURSE}`,
        `fb:down:${otherAsk}`,
        `claim:${waitingTicket}`,
        `rate:${waitingTicket}:5`,
        `restart:${COURSE}`,
        'subat:vneid-tu-a-den-z:0700',
        '/nhan ' + waitingTicket,
        '/xong',
        '/tra',
        '/chuyen Chi',
        '/luu tra loi',
        '/thamgia TNV-AAAA-BBBB',
        'guide:khong-co',
        'more:faq-x:1',
        'learn:list:1',
        'later:1',
        'ticket:last',
        'human:1',
        `quiz:${COURSE}:1:9`,
        `quiz:${OTHER_COURSE}:1:1`,
        '1 1',
      ];
      expect(typed.length).toBeGreaterThanOrEqual(30);
      for (const text of typed) {
        const replies = await say(text);
        expect(replies.length, text).toBeGreaterThan(0);
        expect(replies.join('\n'), text).not.toMatch(/trục trặc/);
      }
      expect(await stateOf('zalo', user)).toEqual(before);
    } finally {
      await zalo.stop();
      await fake.close();
    }
  });
});
