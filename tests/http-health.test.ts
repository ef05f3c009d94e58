import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { DbHealth } from '../src/db/index.ts';
import { createServer } from '../src/http/server.ts';
import { memoryApp } from './helpers/app.ts';

let app: App;
beforeAll(async () => {
  app = await memoryApp();
});
afterAll(async () => {
  await app?.close();
});

describe('/healthz and the database', () => {
  it('answers 503 "database down" with the last error while the database is down, 200 "up" otherwise', async () => {
    const server = await createServer(app);
    const db = app.db as { health: () => DbHealth };
    const real = db.health;
    try {
      const up = await server.inject({ method: 'GET', url: '/healthz' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({ ok: true, database: 'up', store: 'pglite', vector: true, answers: 'retrieval' });
      const since = new Date('2026-01-01T00:00:00Z');
      db.health = () => ({ up: false, since, lastError: 'connect ECONNREFUSED 127.0.0.1:5432', lastErrorAt: since });
      const down = await server.inject({ method: 'GET', url: '/healthz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({
        ok: false,
        database: 'down',
        store: 'pglite',
        since: since.toISOString(),
        error: 'connect ECONNREFUSED 127.0.0.1:5432',
      });
    } finally {
      db.health = real;
      await server.close();
    }
  });

  it('answers 503 within its own deadline when the database does not answer', async () => {
    const server = await createServer(app);
    const db = app.db as { query: App['db']['query'] };
    const real = db.query;
    db.query = () => new Promise(() => {});
    try {
      const res = await server.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ database: 'down', error: 'no answer within 3 s' });
    } finally {
      db.query = real;
      await server.close();
    }
  });
});

describe('HTTP deadlines', () => {
  it('closes a connection whose request stalls half way', async () => {
    const server = await createServer({ ...app, config: { ...app.config, HTTP_REQUEST_TIMEOUT_MS: 1000 } });
    try {
      const address = await server.listen({ port: 0, host: '127.0.0.1' });
      const socket = connect(Number(new URL(address).port), '127.0.0.1');
      const closed = new Promise<string>((ok) => {
        let got = '';
        socket.on('data', (d) => (got += d.toString()));
        socket.on('close', () => ok(got));
        socket.on('error', () => {});
      });
      socket.write('POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sess');
      const started = Date.now();
      const answer = await closed;
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
