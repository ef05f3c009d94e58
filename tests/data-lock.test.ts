import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, lockPathOf, type LockHolder } from '../src/db/lock.ts';
import type { Logger } from '../src/log.ts';
import { cli, freePort, runEntry, stopProc, waitHealthy, type Proc } from './helpers/proc.ts';
import { seedDataDir } from './helpers/app.ts';

const warnings: string[] = [];
const log = { warn: (m: string) => warnings.push(m) } as unknown as Logger;
const tmp = () => mkdtempSync(join(tmpdir(), 'binhdan-lock-'));

describe('the lock of an embedded data folder', () => {
  it('refuses a second holder, naming the first', () => {
    const dir = join(tmp(), 'pglite');
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by another Bình Dân process \\(PID ${process.pid} on `));
    } finally {
      lock.release();
    }
    expect(existsSync(lockPathOf(dir))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over a stale lock (its process is gone) with a warning', () => {
    const dir = join(tmp(), 'pglite');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale: LockHolder = { pid: gone, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' };
    writeFileSync(lockPathOf(dir), JSON.stringify(stale));
    const lock = lockDataDir(dir, log);
    expect(warnings.at(-1)).toMatch(new RegExp(`took over the stale lock of .*: PID ${gone} .* is not running`));
    expect((JSON.parse(readFileSync(lockPathOf(dir), 'utf8')) as LockHolder).pid).toBe(process.pid);
    lock.release();
  });

  it('tells a reused PID from its holder (a container restarted: the same PID, another process)', () => {
    const dir = join(tmp(), 'pglite');
    // PID 1 runs, but not since the start time written in the lock
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: 1, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z', pidStart: '1' }));
    const reused = existsSync('/proc/1/stat') && readFileSync('/proc/1/stat', 'utf8').split(') ')[1]!.split(' ')[19] !== '1';
    if (reused) {
      lockDataDir(dir, log).release();
      expect(warnings.at(-1)).toMatch(/PID 1 .* is not running/);
    }
    // a lock written by this very PID before (the previous life of a container's process) is stale too
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    lockDataDir(dir, log).release();
  });

  it('takes an unreadable lock file as stale', () => {
    const dir = join(tmp(), 'pglite');
    writeFileSync(lockPathOf(dir), '{"pid": 12');
    lockDataDir(dir, log).release();
    expect(warnings.at(-1)).toMatch(/took over the unreadable lock file/);
  });
});

describe('two processes on one DATA_DIR', () => {
  const dataDir = tmp();
  let first: Proc;
  let base: string;
  const env = () => ({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    await seedDataDir(dataDir);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    first = runEntry('main.ts', [], { ...env(), PORT: String(port) });
    await waitHealthy(base, first);
  });
  afterAll(async () => {
    if (first) await stopProc(first);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the second refuses to start, naming the running one; the first keeps working', async () => {
    const holder = JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')) as LockHolder;
    expect(holder.pid).toBe(first.child.pid);
    const second = runEntry('main.ts', [], { ...env(), PORT: String(await freePort()) });
    expect((await second.exited).code).toBe(1);
    expect(second.output().trim()).toMatch(
      new RegExp(
        '^start-up failed: the embedded database .*pglite is in use by another Bình Dân process ' +
          `\\(PID ${holder.pid} on .*Stop that one first`,
      ),
    );
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session: 'lock-test-1', text: 'quen mat khau vneid' }),
    });
    expect(res.status).toBe(200);
    expect(first.running()).toBe(true);
  });

  it('operator commands go through the running assistant; the others are refused clearly', async () => {
    const [added, ingest] = await Promise.all([
      cli(['volunteer', 'add', '--channel', 'telegram', '--id', '4242', '--name', 'Lan'], env()),
      cli(['ingest'], env()),
    ]);
    expect(added).toMatchObject({ code: 0 });
    expect(added.output).toMatch(/^volunteer \d+: Lan \(telegram 4242\)/);
    expect((await cli(['volunteer', 'list'], env())).output).toMatch(/active\s+telegram\s+Lan/);
    expect(ingest.code).toBe(1);
    expect(ingest.output.trim()).toMatch(
      /^error: the assistant is running on the embedded database \(PID \d+\): this command needs it stopped/,
    );

    const admin = JSON.parse(readFileSync(join(dataDir, 'pglite.admin.json'), 'utf8')) as { url: string; token: string };
    const call = (auth: string, command: string, args: Record<string, unknown> = {}) =>
      fetch(`${admin.url}/admin/cli`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ command, args }),
      });
    const token = `Bearer ${admin.token}`;
    expect((await call('Bearer nope', 'volunteer list')).status).toBe(401);
    expect((await call(token, 'ingest')).status).toBe(400);
    expect(((await (await call(token, 'volunteer invite', { name: 'Minh', days: 3 })).json()) as { result: string }).result).toMatch(
      /^TNV-/,
    );
    expect(((await (await call(token, 'handoff stats')).json()) as { result: { overall: unknown } }).result.overall).toBeDefined();
    expect((await call(token, 'volunteer remove', { id: 'x' })).status).toBe(400);
  });
});

describe('a normal stop of a process on a DATA_DIR', () => {
  const dataDir = tmp();
  const env = () => ({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('releases the lock on a normal stop; the folder opens again with what was written', async () => {
    await seedDataDir(dataDir);
    const port = await freePort();
    const proc = runEntry('main.ts', [], { ...env(), PORT: String(port) });
    try {
      await waitHealthy(`http://127.0.0.1:${port}`, proc);
      expect(await cli(['volunteer', 'add', '--channel', 'telegram', '--id', '4343', '--name', 'Mai'], env())).toMatchObject({ code: 0 });
    } finally {
      await stopProc(proc);
    }
    expect((await proc.exited).code).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'pglite.admin.json'))).toBe(false);
    const list = await cli(['volunteer', 'list'], env());
    expect(list.code).toBe(0);
    expect(list.output).toMatch(/active\s+telegram\s+Mai/);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });
});
