import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineChoice, matchChoice } from '../src/core/choices.ts';
import { Conversation } from '../src/core/conversation.ts';
import { on, type Feature, type Turn } from '../src/core/feature.ts';
import { reply, type Inbound } from '../src/core/message.ts';
import { parseCommand } from '../src/core/registry.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import type { Db } from '../src/db/index.ts';
import { silentLogger } from '../src/log.ts';

let db: Db;
beforeAll(async () => {
  db = await openPglite();
  await migrate(db, silentLogger);
});
afterAll(() => db?.close());

describe('choice codecs', () => {
  const quiz = defineChoice('quiz', { course: 'slug', lesson: 'int', option: 'int' });
  const vote = defineChoice('fb', { vote: ['up', 'down'], ask: 'int' });

  it('make and parse are inverse, with typed fields', () => {
    expect(quiz.make({ course: 'vneid-tu-a-den-z', lesson: 2, option: 3 })).toBe('quiz:vneid-tu-a-den-z:2:3');
    expect(quiz.parse('quiz:vneid-tu-a-den-z:2:3')).toEqual({ course: 'vneid-tu-a-den-z', lesson: 2, option: 3 });
    expect(vote.parse('fb:down:17')).toEqual({ vote: 'down', ask: 17 });
    expect(defineChoice('human', {}).make({})).toBe('human');
  });

  it('parse refuses anything that does not fit: other names, missing or extra parts, bad values', () => {
    for (const id of [
      'quiz:vneid:2',
      'quiz:vneid:2:3:4',
      'quiz:vneid:x:1',
      'quiz:vneid:-1:1',
      'quiz::1:1',
      "quiz:a' or 1=1:1:1",
      'QUIZ:vneid:1:1',
      'course:vneid:1:1',
      'quiz:vneid:1.0:1',
      'quiz:vneid: 1:1',
      'quiz:vneid:1234567890123456:1',
    ]) {
      expect(quiz.parse(id), id).toBeUndefined();
    }
    expect(vote.parse('fb:sideways:1')).toBeUndefined();
  });

  it('make refuses values that do not fit and ids over 64 bytes, saying what to do', () => {
    expect(() => quiz.make({ course: 'a:b', lesson: 1, option: 1 })).toThrow(/does not fit field course/);
    expect(() => quiz.make({ course: 'x'.repeat(60), lesson: 1, option: 1 })).toThrow(/64.*shorten or hash/);
    expect(() => defineChoice('Quiz', {})).toThrow(/lower-case letters/);
  });

  it('a typed number or label picks a pending choice', () => {
    const pending = [
      { id: 'a', label: '📘 Khóa một' },
      { id: 'b', label: 'Hai' },
    ];
    expect(matchChoice('2', pending)?.id).toBe('b');
    expect(matchChoice('số 1', pending)?.id).toBe('a');
    expect(matchChoice('khoa mot', pending)?.id).toBe('a');
    expect(matchChoice('3', pending)).toBeUndefined();
  });

  it('commands are parsed once: name in lower case, @bot dropped, the rest as args', () => {
    expect(parseCommand('/Nhan@BinhDanBot  12 ')).toEqual({ name: 'nhan', args: '12' });
    expect(parseCommand('/hoc')).toEqual({ name: 'hoc', args: '' });
    expect(parseCommand('hoc')).toBeUndefined();
    expect(parseCommand('/ hoc')).toBeUndefined();
  });
});

describe('the conversation core with stub features', () => {
  const pick = defineChoice('pick', { n: 'int' });
  const open = defineChoice('open', { n: 'int' }, { authorizedByHandler: true });
  const said = (who: string) => async (turn: Turn) => [reply(`${who}:${turn.command?.args ?? turn.choice?.id ?? turn.text}`)];

  /** Each stub answers with its name, so the reply says which one the core routed to. */
  function core(options: { intercept?: boolean } = {}) {
    const features: Feature[] = [
      {
        name: 'interceptor',
        intercept: async (turn) => (options.intercept && turn.text !== 'let through' ? [reply('intercepted')] : undefined),
      },
      {
        name: 'stubs',
        commands: { same: { description: 'a command', run: said('command') } },
        phrases: { same: said('phrase'), 'xin chao': said('phrase') },
        choices: [
          on(pick, async (_turn, { n }) => [reply(`pick:${n}`, [{ id: pick.make({ n: n + 1 }), label: 'next' }])]),
          on(open, async (_t, { n }) => [reply(`open:${n}`)]),
        ],
        media: said('media'),
        observe: async (turn) => {
          if (turn.text === 'boom') throw new Error('observer failed');
        },
      },
      {
        name: 'screen',
        screen: async (turn) =>
          turn.text.includes('link') ? { replies: [reply('screened')], stop: turn.text === 'link only' } : undefined,
      },
      { name: 'answer', text: said('text') },
    ];
    return new Conversation({ db, log: silentLogger, features, rateLimit: false });
  }
  let n = 0;
  const user = () => `stub-user-${++n}`;
  const send = (c: Conversation, userId: string, m: Partial<Inbound>) =>
    c.handle({ channel: 'web', userId, kind: m.choice !== undefined ? 'choice' : 'text', ...m }).then((r) => r.map((x) => x.text));

  it('pins the order: interception, media, choices, commands, phrases, screening, free text', async () => {
    const u = user();
    expect(await send(core({ intercept: true }), u, { text: '/same' })).toEqual(['intercepted']);
    expect(await send(core(), u, { kind: 'media', mediaType: 'sticker' })).toEqual(['media:']);
    expect(await send(core(), u, { text: '/same x y' })).toEqual(['command:x y']);
    expect(await send(core(), u, { text: 'Xin chào!' })).toEqual(['phrase:Xin chào!']);
    expect(await send(core(), u, { text: 'a link here' })).toEqual(['screened', 'text:a link here']);
    expect(await send(core(), u, { text: 'link only' })).toEqual(['screened']);
    expect(await send(core(), u, { text: 'anything' })).toEqual(['text:anything']);
    expect(await send(core(), u, { text: 'boom' })).toEqual([expect.stringMatching(/trục trặc/)]);
  });

  it('a pressed id counts only once shown to that user; a typed number picks the pending one', async () => {
    const c = core();
    const [a, b] = [user(), user()];
    expect(await send(c, a, { choice: 'pick:1' })).toEqual([expect.stringMatching(/^Lựa chọn này đã cũ/)]);
    // a codec authorized by its handler is served without having been shown
    expect(await send(c, a, { choice: 'open:5' })).toEqual(['open:5']);
    // replies without choices show nothing
    await send(c, a, { text: '/same' });
    const shown = await db.query<{ shown: string[] }>(`select shown from users where channel = 'web' and external_id = $1`, [a]);
    expect(shown[0]!.shown).toEqual([]);
    // a feature that shows pick:1 to whoever writes
    const showing = new Conversation({
      db,
      log: silentLogger,
      rateLimit: false,
      features: [
        { name: 'shows', text: async () => [reply('here', [{ id: pick.make({ n: 1 }), label: 'one' }])] },
        { name: 'pick', choices: [on(pick, async (_t, { n }) => [reply(`pick:${n}`)])] },
      ],
    });
    expect(await send(showing, a, { text: 'show me' })).toEqual(['here']);
    expect(await send(showing, a, { choice: 'pick:1' })).toEqual(['pick:1']);
    expect(await send(showing, b, { choice: 'pick:1' })).toEqual([expect.stringMatching(/^Lựa chọn này đã cũ/)]);
    expect(await send(showing, a, { text: 'show me' })).toEqual(['here']);
    expect(await send(showing, a, { text: '1' })).toEqual(['pick:1']);
    // still shown earlier: a press of it counts even after other replies
    expect(await send(showing, a, { choice: 'pick:1' })).toEqual(['pick:1']);
    expect(await send(showing, a, { choice: 'pick:2' })).toEqual([expect.stringMatching(/^Lựa chọn này đã cũ/)]);
  });

  it('a stale press is answered with the choices that are current', async () => {
    const c = new Conversation({
      db,
      log: silentLogger,
      rateLimit: false,
      features: [
        { name: 'shows', text: async () => [reply('here', [{ id: pick.make({ n: 1 }), label: 'one' }])] },
        { name: 'pick', choices: [on(pick, async () => [reply('picked')])] },
      ],
    });
    const u = user();
    await send(c, u, { text: 'hi' });
    const [stale] = await c.handle({ channel: 'web', userId: u, kind: 'choice', choice: 'pick:9' });
    expect(stale!.choices!.map((x) => x.id)).toEqual(['pick:1']);
  });

  it('registering a command, phrase, choice name or feature name twice throws at start, naming both', () => {
    const run = said('x');
    const make = (a: Partial<Feature>, b: Partial<Feature>) => () =>
      new Conversation({
        db,
        log: silentLogger,
        features: [
          { name: 'one', ...a },
          { name: 'two', ...b },
        ],
      });
    expect(make({ commands: { huy: { description: '', run } } }, { commands: { HUY: { description: '', run } } })).toThrow(
      /command "\/huy" is registered by both one and two/,
    );
    expect(make({ phrases: { hủy: run } }, { phrases: { huy: run } })).toThrow(/phrase "huy" is registered by both one and two/);
    expect(make({ choices: [on(pick, run)] }, { choices: [on(defineChoice('pick', {}), run)] })).toThrow(/choice "pick"/);
    expect(() => new Conversation({ db, log: silentLogger, features: [{ name: 'same' }, { name: 'same' }] })).toThrow(/feature "same"/);
    expect(make({ commands: { '/slash': { description: '', run } } }, {})).toThrow(/without the slash/);
  });

  it("the command menu lists the features' commands with their descriptions, hidden ones left out", () => {
    const c = new Conversation({
      db,
      log: silentLogger,
      features: [
        {
          name: 'a',
          commands: { hoc: { description: 'Học', run: said('a') }, bi: { description: 'secret', run: said('a'), hidden: true } },
        },
      ],
    });
    expect(c.registry.menu()).toEqual([{ command: 'hoc', description: 'Học' }]);
  });
});
