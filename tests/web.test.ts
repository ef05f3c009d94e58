import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { createServer } from '../src/http/server.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
let server: FastifyInstance;
let base: string;
beforeAll(async () => {
  app = await memoryApp();
  server = await createServer(app);
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const chat = (body: unknown, raw = false) =>
  fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });

describe('web chat over HTTP', () => {
  it('serves the chat page', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>Bình Dân');
    expect(html).toContain('/api/chat');
  });

  it('answers a question with HTML-safe text and choices', async () => {
    const res = await chat({ session: 'web-test-1', text: 'quen mat khau vneid' });
    expect(res.status).toBe(200);
    const { replies } = (await res.json()) as { replies: { html: string; text: string; choices: { id: string; label: string }[] }[] };
    expect(replies[0]!.html).toMatch(/^<b>Quên mật khẩu/);
    expect(replies[0]!.html).toContain('<a href="https://vneid.gov.vn"');
    expect(replies[0]!.choices.length).toBeGreaterThanOrEqual(3);
    // pressing a button
    const next = await chat({ session: 'web-test-1', choice: replies[0]!.choices.find((c) => c.id.startsWith('guide:'))!.id });
    expect(((await next.json()) as { replies: unknown[] }).replies).toHaveLength(1);
  });

  it('escapes what users send', async () => {
    const res = await chat({ session: 'web-test-2', text: '<script>alert(1)</script> bit.ly/abc' });
    const body = await res.text();
    expect(body).not.toContain('<script>');
  });

  it('rejects malformed requests with a clear error', async () => {
    expect((await chat('{not json', true)).status).toBe(400);
    const noSession = await chat({ text: 'hi' });
    expect(noSession.status).toBe(400);
    expect(((await noSession.json()) as { error: string }).error).toMatch(/session/);
    expect((await chat({ session: 'web-test-3' })).status).toBe(400);
    expect((await chat({ session: 'x'.repeat(300), text: 'a' })).status).toBe(400);
    const huge = await chat({ session: 'web-test-3', text: 'a'.repeat(300_000) });
    expect(huge.status).toBe(413);
  });

  it('asks to shorten a long message', async () => {
    const res = await chat({ session: 'web-test-4', text: 'vneid '.repeat(1000) });
    const { replies } = (await res.json()) as { replies: { text: string }[] };
    expect(replies[0]!.text).toMatch(/dài quá/);
  });

  it('reports health', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, database: 'up', store: 'pglite', vector: true, answers: 'retrieval' });
    expect(health.guides).toBeGreaterThanOrEqual(8);
  });
});

describe('the conversation after a reload, and the page around it', () => {
  const history = async (session: string) => {
    const res = await fetch(`${base}/api/history?session=${session}`);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      maxChars: number;
      messages: { direction: 'in' | 'out'; text: string; html?: string; choices?: { id: string; label: string }[] }[];
    };
  };

  it('gives back the last 20 messages of the session, oldest first, with the buttons still pending and the limit', async () => {
    const session = 'web-history-1';
    expect(await history(session)).toEqual({ maxChars: 2000, messages: [] });
    await chat({ session, text: '/start' });
    for (let i = 0; i < 11; i++) await chat({ session, text: i % 2 ? 'quen mat khau vneid' : `cau hoi so ${i}` });
    const { messages, maxChars } = await history(session);
    expect(maxChars).toBe(2000);
    expect(messages).toHaveLength(20);
    // the page's hidden /start is not shown again; the newest turn is last, answered
    expect(messages.some((m) => m.text === '/start')).toBe(false);
    expect(messages.at(-2)).toEqual({ direction: 'in', text: 'cau hoi so 10' });
    expect(messages.at(-1)!.direction).toBe('out');
    expect(messages.at(-1)!.html).toBeTypeOf('string');
    const answered = messages.at(-3)!;
    expect(answered.direction).toBe('out');
    expect(answered.html).toMatch(/^<b>Quên mật khẩu/);
    // only the last reply carries buttons: the ones a press is still taken for
    expect(messages.slice(0, -1).every((m) => !m.choices?.length)).toBe(true);
  });

  it('keeps sessions apart and validates the session id like /api/chat', async () => {
    await chat({ session: 'web-history-2', text: 'cccd gan chip' });
    const other = await history('web-history-3');
    expect(other.messages).toEqual([]);
    const bad = await fetch(`${base}/api/history?session=x`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/session/);
    expect((await fetch(`${base}/api/history`)).status).toBe(400);
  });

  it('shows what is stored: redacted', async () => {
    await chat({ session: 'web-history-4', text: 'so cccd cua toi la 001099012345 quen mat khau' });
    const { messages } = await history('web-history-4');
    expect(JSON.stringify(messages)).not.toContain('001099012345');
  });

  it('one limit for the box and the server: the page learns it, counts, and never cuts a paste', async () => {
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toMatch(/maxlength/);
    expect(html).toContain('/api/history');
    expect(html).toContain('id="count"');
    const limited = await memoryApp({ MAX_MESSAGE_CHARS: '300' });
    const small = await createServer(limited);
    try {
      const url = await small.listen({ port: 0, host: '127.0.0.1' });
      expect(((await (await fetch(`${url}/api/history?session=web-limit-1`)).json()) as { maxChars: number }).maxChars).toBe(300);
      const post = (text: string) =>
        fetch(`${url}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ session: 'web-limit-1', text }),
        }).then(async (r) => ((await r.json()) as { replies: { text: string }[] }).replies[0]!.text);
      expect(await post('a'.repeat(301))).toMatch(/dài quá \(hơn 300 ký tự\)/);
      // exactly the limit, once trimmed as the page trims it: read
      expect(await post(`  ${'quen mat khau vneid '.padEnd(300, 'x')}  `)).not.toMatch(/dài quá/);
    } finally {
      await small.close();
      await limited.close();
    }
  });

  it('ships a favicon and the emoji font fallback (Noto Emoji, OFL), only the files it names', async () => {
    const icon = await fetch(`${base}/favicon.svg`);
    expect(icon.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await icon.text()).toMatch(/^<svg/);
    const css = await (await fetch(`${base}/assets/emoji.css`)).text();
    expect(css).toContain("font-family: 'Binh Dan Emoji'");
    const file = /url\((\/assets\/emoji\/[^)]+\.woff2)\)/.exec(css)![1]!;
    const font = await fetch(`${base}${file}`);
    expect(font.status).toBe(200);
    expect(font.headers.get('content-type')).toBe('font/woff2');
    expect((await fetch(`${base}/assets/emoji/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/assets/emoji/index.css`)).status).toBe(404);
  });
});

describe('/dangky on the web', () => {
  const say = async (session: string, text: string) =>
    ((await (await chat({ session, text })).json()) as { replies: { text: string; html: string }[] }).replies[0]!;

  it('names the Telegram and Zalo bots, with the Telegram link, once they are connected', async () => {
    const none = await say('web-dangky-1', '/dangky');
    expect(none.text).toMatch(/Telegram.*Zalo/);
    expect(none.text).not.toContain('t.me');
    // what startChannels fills as each bot connects (its getMe name)
    app.botLinks.telegram = { name: '@binhdan_test_bot', url: 'https://t.me/binhdan_test_bot?start=hoc' };
    app.botLinks.zalo = { name: 'Bot Bình Dân' };
    // a bot that is not running is not named
    expect((await say('web-dangky-2', '/dangky')).text).not.toContain('binhdan_test_bot');
    app.pushChannels.add('telegram').add('zalo');
    try {
      const r = await say('web-dangky-3', '/dangky');
      expect(r.text).toContain('https://t.me/binhdan_test_bot?start=hoc');
      expect(r.html).toContain('<a href="https://t.me/binhdan_test_bot?start=hoc"');
      expect(r.text).toMatch(/Zalo: tìm \*\*Bot Bình Dân\*\*/);
      expect(r.text).toContain('/hoc');
    } finally {
      app.pushChannels.delete('telegram');
      app.pushChannels.delete('zalo');
      delete app.botLinks.telegram;
      delete app.botLinks.zalo;
    }
  });
});

describe('/dangky on the web with Telegram connected', () => {
  it('names the bot startChannels connected (its getMe username), and no longer once it stops', async () => {
    const { startChannels } = await import('../src/channels/start.ts');
    const { BOT, startFakeTelegram } = await import('./fakes/telegram.ts');
    const fake = await startFakeTelegram();
    const own = await memoryApp();
    const http = await createServer(own);
    const ask = async (userId: string) => (await own.conversation.handle({ channel: 'web', userId, kind: 'text', text: '/dangky' }))[0]!;
    try {
      const started = await startChannels(
        { ...own, config: { ...own.config, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot } },
        http,
      );
      expect((await ask('web-dangky-tg-1')).text).toContain(`**@${BOT.username}** — https://t.me/${BOT.username}?start=hoc`);
      for (const stop of started.stops) await stop();
      expect((await ask('web-dangky-tg-2')).text).not.toContain('t.me');
    } finally {
      await http.close();
      await own.close();
      await fake.close();
    }
  });
});
