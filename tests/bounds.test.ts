import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { Conversation } from '../src/core/conversation.ts';
import { RateLimiter } from '../src/core/rate-limit.ts';
import { correctWord, MAX_CORRECTED_LETTERS } from '../src/text/spelling.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
beforeAll(async () => {
  app = await memoryApp();
});
afterAll(() => app?.close());

/** A logger that keeps its lines, to see what bad input logs. */
function capturingLogger() {
  const lines: { level: number; msg: string; stack?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

let n = 0;
const newUser = () => `bounds-${++n}-${process.pid}`;

describe('bounded work per message', () => {
  it('does not try to correct a word longer than any Vietnamese syllable', () => {
    const vocabulary = new Map([
      ['khau', 3],
      ['mat', 5],
    ]);
    expect(correctWord('khua', vocabulary)).toBe('khau');
    expect(correctWord('k'.repeat(MAX_CORRECTED_LETTERS + 1), vocabulary)).toBeUndefined();
    expect(correctWord('a'.repeat(2000), vocabulary)).toBeUndefined();
  });

  it('leaves a 2,000-letter word as it is and still answers the rest of the question', async () => {
    const word = 'x'.repeat(1990);
    expect(await app.retriever.correct(`${word} quen mat khua vneid`)).toBe(`${word} quen mat khau vneid`);
    const r = await app.asker.ask(`quen mat khau vneid ${word}`);
    expect(r.candidates[0]?.guideId).toBe('vneid-quen-mat-khau');
  });

  it('strips NUL and other control characters before anything sees the text', async () => {
    const user = newUser();
    const [r] = await app.conversation.handle({
      channel: 'web',
      userId: user,
      kind: 'text',
      text: 'quen\u0000 mat khau\u001b[31m vneid\u0007',
    });
    expect(r!.text).toMatch(/mật khẩu/i);
    const rows = await app.db.query<{ text: string }>(
      `select m.text from messages m join users u on u.id = m.user_id where u.external_id = $1 and m.direction = 'in'`,
      [user],
    );
    expect(rows.map((x) => x.text)).toEqual(['quen mat khau[31m vneid']);
  });
});

describe('per-user rate limit', () => {
  it('gives a bucket of messages, then one per interval (injected clock)', () => {
    let now = 0;
    const limit = new RateLimiter({ capacity: 3, refillMs: 1000, now: () => now });
    expect([1, 2, 3, 4].map(() => limit.take('a'))).toEqual([true, true, true, false]);
    expect(limit.take('b')).toBe(true);
    now += 999;
    expect(limit.take('a')).toBe(false);
    now += 1;
    expect(limit.take('a')).toBe(true);
    expect(limit.take('a')).toBe(false);
  });

  it('answers a flood with a friendly "too fast" and never runs the features for it', async () => {
    let now = 0;
    let asked = 0;
    const conversation = new Conversation({
      db: app.db,
      log: app.log,
      rateLimit: { capacity: 2, refillMs: 3000, now: () => now },
      features: [{ name: 'count', text: async () => (asked++, [{ text: 'ok' }]) }],
    });
    const user = newUser();
    const say = () => conversation.handle({ channel: 'web', userId: user, kind: 'text', text: 'xin chao' });
    expect((await say())[0]!.text).toBe('ok');
    expect((await say())[0]!.text).toBe('ok');
    expect((await say())[0]!.text).toMatch(/gửi nhanh quá/);
    expect(asked).toBe(2);
    now += 3000;
    expect((await say())[0]!.text).toBe('ok');
    // another user is not slowed down by the first
    expect((await conversation.handle({ channel: 'web', userId: newUser(), kind: 'text', text: 'hi' }))[0]!.text).toBe('ok');
  });
});

describe('forged choice arguments', () => {
  it.each([
    ['rate:abc:1'],
    ['rate:1:99'],
    ['sub:vneid-tu-a-den-z:9999'],
    ['sub:vneid-tu-a-den-z:ab'],
    ['sub:khong-co-khoa-nay'],
    ['course:khong-co-khoa-nay'],
    ['restart:khong-co-khoa-nay'],
    ['quiz:vneid-tu-a-den-z:x:y'],
    ['quiz:vneid-tu-a-den-z:1:99'],
  ])('%s gets a short reply, nothing logged as an error', async (choice) => {
    const { log, lines } = capturingLogger();
    const conversation = new Conversation({ db: app.db, log, features: [...app.conversation.features] });
    const [r] = await conversation.handle({ channel: 'telegram', userId: newUser(), kind: 'choice', choice });
    expect(r!.text.length).toBeLessThan(200);
    expect(r!.text).not.toMatch(/trục trặc/);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

describe('web API rate limit per address', () => {
  it('answers 429 with a friendly message once an address has sent its minute of requests', async () => {
    const { createServer } = await import('../src/http/server.ts');
    const WEB_REQUESTS_PER_MINUTE = app.config.WEB_REQUESTS_PER_MINUTE;
    const server = await createServer(app);
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const post = (i: number) =>
        fetch(`${base}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // a new session each time: the per-user budget of the core does not stop this client, the address limit does
          body: JSON.stringify({ session: `flood-${process.pid}-${i}`, choice: 'learn:list' }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < WEB_REQUESTS_PER_MINUTE; i++) statuses.push((await post(i)).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const over = await post(-1);
      expect(over.status).toBe(429);
      expect(((await over.json()) as { error: string }).error).toMatch(/gửi nhanh quá/);
    } finally {
      await server.close();
    }
  });
});
