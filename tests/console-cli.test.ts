import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccounts, readSetupToken } from '../src/console/accounts.ts';
import type { App } from '../src/app.ts';
import type { Db } from '../src/db/index.ts';
import { lockDataDir, type DataDirLock } from '../src/db/lock.ts';
import { ADMIN_COMMANDS, registerAdmin } from '../src/http/admin.ts';
import { memoryApp, testConfig } from './helpers/app.ts';
import { cli } from './helpers/proc.ts';

/**
 * `cli console add-user|list-users` on a throw-away DATA_DIR whose lock this process holds, as a running assistant
 * does: the commands go through the holder's `POST /admin/cli` (here answered from the in-memory database, so no
 * folder needs creating; the path that opens the database itself is the one every operator command shares, covered in
 * data-lock.test.ts). One round of commands, side by side, to stay fast.
 */
describe('console accounts from the command line, with the embedded database in use', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'binhdan-console-cli-'));
  const env = { DATA_DIR: dataDir, PORT: '3999', PUBLIC_URL: 'https://binhdan.example.vn/' };
  const tokenOf = (output: string) => /^https:\/\/binhdan\.example\.vn\/console\/setup\/([\w-]+)$/m.exec(output)?.[1];
  let app: App;
  let db: Db;
  let lock: DataDirLock;
  let holder: FastifyInstance;

  beforeAll(async () => {
    const { pgliteDir } = testConfig(env);
    app = await memoryApp();
    db = app.db;
    lock = lockDataDir(pgliteDir);
    holder = Fastify();
    registerAdmin(holder, db, pgliteDir);
    await holder.listen({ port: 0, host: '127.0.0.1' });
    await db.query(`insert into console_accounts (login, name, role) values ('lan.op', 'Lan', 'operator')`);
  });
  afterAll(async () => {
    await holder?.close();
    lock?.release();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('add-user prints the one-time setup link; list-users lists', async () => {
    const [added, list] = await Promise.all([
      cli(['console', 'add-user', '--role', 'volunteer', '--login', 'Mai.TNV', '--name', 'Mai'], env),
      cli(['console', 'list-users'], env),
    ]);
    expect(added.code, added.output).toBe(0);
    expect(added.output).toMatch(/account \d+: mai\.tnv \(volunteer\); send the link above to Mai privately/);
    const token = tokenOf(added.output);
    expect(token).toBeDefined();
    expect(await readSetupToken(db, token!)).toMatchObject({ kind: 'account', account: { login: 'mai.tnv', role: 'volunteer' } });
    expect(list.code, list.output).toBe(0);
    expect(list.output).toMatch(/operator\s+no password yet\s+lan\.op\s+\(Lan\)/);

    expect((await listAccounts(db)).map((a) => a.login).sort()).toEqual(['lan.op', 'mai.tnv']);
    const [invited] = await db.query<{ n: number }>(
      `select count(*)::int as n from console_audit where action = 'account.invite' and detail->>'via' = 'cli'`,
    );
    expect(invited!.n).toBe(1);
  });

  it('the running process refuses a taken login or an unknown role, saying why (the command line prints it)', async () => {
    const add = ADMIN_COMMANDS['console add-user'];
    await expect(add(db, { role: 'editor', login: 'LAN.OP', name: 'Lan 2' })).rejects.toThrow('Tên đăng nhập "lan.op" đã có người dùng.');
    await expect(add(db, { role: 'boss', login: 'x1', name: 'X' })).rejects.toThrow('--role must be one of operator, editor, volunteer');
  });
});
