import { createServer, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.ts';
import { silentLogger } from '../src/log.ts';
import { ownPostgres, postgresBin, type OwnPostgres } from './helpers/own-postgres.ts';
import { freePort, healthOf, runEntry, stopProc, waitHealthy, type Proc } from './helpers/proc.ts';
import { waitUntil } from './helpers/wait.ts';

/**
 * The assistant against a PostgreSQL server that goes away and comes back: a real `src/main.ts` process, our own
 * throw-away server (initdb, random port), stopped with `pg_ctl -m fast` (every session is told "terminating
 * connection due to administrator command") and started again while web turns keep coming.
 */
const haveBinaries = !!postgresBin();
if (!haveBinaries && process.env.CI) throw new Error('CI: no PostgreSQL binaries (initdb) under /usr/lib/postgresql');

/** Letters only, so that nothing in the text is masked as a number before it is stored. */
const word = (n: number) => {
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
};

describe.skipIf(!haveBinaries)('a PostgreSQL server restarted under load', () => {
  let server: OwnPostgres;
  let proc: Proc;
  let base: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'binhdan-restart-'));

  beforeAll(async () => {
    server = await ownPostgres();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = runEntry('main.ts', [], {
      DATABASE_URL: server.url,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    await waitHealthy(base, proc);
  });
  afterAll(async () => {
    if (proc) await stopProc(proc);
    await server?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays up, says "database down" on /healthz during the outage, resumes within 10 s, loses no acknowledged turn', async () => {
    const turns: { text: string; status: number; startedAt: number; doneAt: number }[] = [];
    let stopLoad = false;
    let n = 0;
    const worker = async (w: number) => {
      while (!stopLoad) {
        const text = `kiem tra ${word(n++)} ${word(w)}`;
        const startedAt = Date.now();
        let status: number;
        try {
          const res = await fetch(`${base}/api/chat`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ session: `restart-test-${w}`, text }),
            signal: AbortSignal.timeout(40_000),
          });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          status = -1;
        }
        turns.push({ text, status, startedAt, doneAt: Date.now() });
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const load = Promise.all([0, 1, 2].map(worker));
    try {
      await waitUntil(() => turns.filter((t) => t.status === 200).length >= 6, 'turns before the outage', 60_000);

      await server.stop();
      const stoppedAt = Date.now();
      await waitUntil(
        async () => {
          const h = await healthOf(base);
          return h?.status === 503 && h.body.database === 'down' && h.body.ok === false;
        },
        '/healthz says database down',
        30_000,
      );
      // a real outage under load: several turns refused while the server is away
      await waitUntil(
        () => turns.filter((t) => t.startedAt > stoppedAt && t.status !== 200).length >= 10,
        'turns failed during the outage',
        30_000,
      );
      expect(proc.running()).toBe(true);

      await server.start();
      const backAt = Date.now();
      await waitUntil(async () => (await healthOf(base))?.status === 200, '/healthz up again', 30_000);
      const healthyAfter = Date.now() - backAt;
      await waitUntil(() => turns.some((t) => t.startedAt >= backAt && t.status === 200), 'a turn answered after the restart', 30_000);
      const servedAfter = Math.min(...turns.filter((t) => t.startedAt >= backAt && t.status === 200).map((t) => t.doneAt)) - backAt;
      expect(healthyAfter).toBeLessThan(10_000);
      expect(servedAfter).toBeLessThan(10_000);
      expect((await healthOf(base))?.body).toMatchObject({ ok: true, database: 'up', store: 'postgres' });
    } finally {
      stopLoad = true;
      await load;
    }
    expect(proc.running()).toBe(true);
    expect(proc.output()).not.toMatch(/Unhandled|uncaught/i);
    expect(proc.output()).toMatch(/terminating connection due to administrator command/);
    expect(proc.output()).toMatch(/database at 127\.0\.0\.1:\d+ is down: /);
    expect(proc.output()).toMatch(/is back after/);

    const acknowledged = turns.filter((t) => t.status === 200).map((t) => t.text);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const stored = new Set(
      (await client.query<{ text: string }>(`select text from messages where direction = 'in'`)).rows.map((r) => r.text),
    );
    await client.end();
    expect(acknowledged.filter((t) => !stored.has(t))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(6);
  });

  it('a server that freezes (connections open, nothing answers): queries fail by their deadline, health goes down and back', async () => {
    // a TCP relay to our server that can stop relaying while keeping every connection open
    let frozen = false;
    const pairs: Socket[][] = [];
    const relay = createServer((inbound) => {
      const outbound = new Socket().connect(server.port, '127.0.0.1');
      pairs.push([inbound, outbound]);
      inbound.on('data', (d) => frozen || outbound.write(d));
      outbound.on('data', (d) => frozen || inbound.write(d));
      for (const s of [inbound, outbound]) s.on('error', () => {});
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((ok) => relay.listen(0, '127.0.0.1', ok));
    const port = (relay.address() as { port: number }).port;
    const db = await openPostgres(`postgres://postgres@127.0.0.1:${port}/postgres`, silentLogger, {
      connectTimeoutMs: 1000,
      statementTimeoutMs: 1000,
      probeIntervalMs: 200,
    });
    try {
      expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
      frozen = true;
      const started = Date.now();
      await expect(db.query('select 1')).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(1000 + 1000 + 3000);
      await waitUntil(() => !db.health().up, 'health down while frozen', 20_000);
      expect(db.health().lastError).toMatch(/no answer within 1 s|timeout/i);
      frozen = false;
      // what was sent meanwhile is lost: those connections are done
      for (const [a, b] of pairs) {
        a!.destroy();
        b!.destroy();
      }
      await waitUntil(() => db.health().up, 'health up again', 20_000);
      expect(await db.query('select 2 as two')).toEqual([{ two: 2 }]);
    } finally {
      frozen = false;
      await db.close();
      relay.close();
      for (const [a, b] of pairs) {
        a!.destroy();
        b!.destroy();
      }
    }
  });
});

describe('start-up against a database that does not answer', () => {
  it('fails within the connect timeout with one clear line (a port that accepts and never answers)', async () => {
    const sockets: Socket[] = [];
    let acceptedAt = 0;
    const silent = createServer((s) => {
      acceptedAt ||= Date.now();
      sockets.push(s);
    });
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const port = (silent.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'binhdan-silent-'));
    try {
      const proc = runEntry('main.ts', [], {
        DATABASE_URL: `postgres://binhdan@127.0.0.1:${port}/binhdan`,
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
      });
      const exit = await proc.exited;
      expect(exit.code).toBe(1);
      expect(acceptedAt).toBeGreaterThan(0);
      // the deadline, not a hang: from the accepted connection to the exit
      expect(exit.at - acceptedAt).toBeGreaterThanOrEqual(1900);
      expect(exit.at - acceptedAt).toBeLessThan(2000 + 8000);
      expect(proc.output().trim().split('\n')).toEqual([
        `start-up failed: database at 127.0.0.1:${port} did not answer within 2 s (DATABASE_URL)`,
      ]);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says so at once when nothing listens on the port', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(openPostgres(`postgres://x@127.0.0.1:${port}/x`, silentLogger, { connectTimeoutMs: 2000 })).rejects.toThrow(
      `database at 127.0.0.1:${port} refused the connection: nothing listens there (DATABASE_URL)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
