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
