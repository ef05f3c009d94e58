import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/index.ts';
import { holdsLock, lockHolderOf } from '../db/lock.ts';
import { ROLES, createAccount, listAccounts, type Role } from '../console/accounts.ts';
import { audit } from '../console/audit.ts';
import { guideSuggestions, handoffStats } from '../handoff/stats.ts';
import { addVolunteer, createInvite, deactivateVolunteer, listVolunteers } from '../handoff/volunteers.ts';

/**
 * Operator commands while the assistant runs on the embedded database. The folder is locked by the running process
 * (one writer), so `npm run cli -- volunteer …` (or `console …`) asks that process instead of opening the folder a
 * second time: `POST /admin/cli`, answered only on loopback and only with the random token the process wrote beside
 * its data (`<DATA_DIR>/pglite.admin.json`, mode 0600, removed on stop). Only the commands below exist there.
 */
type Args = Record<string, unknown>;
const text = (v: unknown, name: string) => {
  if (typeof v !== 'string' || !v.trim() || v.length > 200) throw new Error(`${name} must be a text`);
  return v;
};
const whole = (v: unknown, name: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
};

export const ADMIN_COMMANDS = {
  'volunteer add': (db: Db, a: Args) => {
    const channel = text(a.channel, 'channel');
    if (!['telegram', 'zalo'].includes(channel)) throw new Error('--channel must be telegram or zalo');
    return addVolunteer(db, { channel, externalId: text(a.id, 'id'), name: text(a.name, 'name') });
  },
  'volunteer invite': (db: Db, a: Args) => createInvite(db, text(a.name, 'name'), whole(a.days ?? 7, 'days')),
  'volunteer list': (db: Db) => listVolunteers(db),
  'volunteer remove': (db: Db, a: Args) => deactivateVolunteer(db, whole(a.id, 'id')),
  'handoff stats': (db: Db, a: Args) => handoffStats(db, a.since === undefined ? undefined : new Date(text(a.since, 'since'))),
  'handoff suggestions': (db: Db) => guideSuggestions(db),
  /** A console account and its one-time setup token (the command line prints the link). */
  'console add-user': async (db: Db, a: Args) => {
    const role = text(a.role, 'role');
    if (!(ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    const created = await createAccount(db, { login: text(a.login, 'login'), name: text(a.name, 'name'), role: role as Role });
    await audit(db, undefined, 'account.invite', { account: created.account.id, role, via: 'cli' });
    return created;
  },
  'console list-users': (db: Db) => listAccounts(db),
} satisfies Record<string, (db: Db, args: Args) => Promise<unknown>>;

export type AdminCommand = keyof typeof ADMIN_COMMANDS;
export type AdminResult<C extends AdminCommand> = Awaited<ReturnType<(typeof ADMIN_COMMANDS)[C]>>;

export interface AdminFile {
  pid: number;
  url: string;
  token: string;
}

export const adminFileOf = (pgliteDir: string) => `${pgliteDir.replace(/[/\\]+$/, '')}.admin.json`;

export function isLoopback(address: string | undefined): boolean {
  return !!address && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address));
}

/**
 * Registers `POST /admin/cli` when this process holds the embedded database folder `pgliteDir`, and writes the
 * address and token for the command line once the server listens.
 */
export function registerAdmin(server: FastifyInstance, db: Db, pgliteDir: string): void {
  if (db.kind !== 'pglite' || !holdsLock(pgliteDir)) return;
  const token = randomBytes(32).toString('hex');
  const file = adminFileOf(pgliteDir);
  let written: string | undefined;
  server.addHook('onListen', async () => {
    const all = server.addresses().filter((a): a is AddressInfo => typeof a === 'object');
    const address = all.find((a) => a.family === 'IPv4') ?? all[0];
    if (!address) return;
    const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    written = JSON.stringify({ pid: process.pid, url, token } satisfies AdminFile);
    writeFileSync(file, written, { mode: 0o600 });
  });
  server.addHook('onClose', async () => {
    try {
      if (written && readFileSync(file, 'utf8') === written) unlinkSync(file);
    } catch {
      /* gone */
    }
  });
  const expected = Buffer.from(`Bearer ${token}`);
  server.post('/admin/cli', async (req, res) => {
    if (!isLoopback(req.socket.remoteAddress)) return res.code(403).send({ error: 'loopback only' });
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return res.code(401).send({ error: 'bad token' });
    const body = req.body as { command?: unknown; args?: unknown } | undefined;
    const command = body?.command;
    if (typeof command !== 'string' || !Object.hasOwn(ADMIN_COMMANDS, command)) return res.code(400).send({ error: 'unknown command' });
    const args = body?.args && typeof body.args === 'object' ? (body.args as Args) : {};
    try {
      return { result: await ADMIN_COMMANDS[command as AdminCommand](db, args) };
    } catch (err) {
      return res.code(400).send({ error: (err as Error).message });
    }
  });
}

/** The command line's side: runs `command` in the process that holds `pgliteDir`; undefined if there is none to ask. */
export async function runInAssistant<C extends AdminCommand>(pgliteDir: string, command: C, args: Args = {}): Promise<AdminResult<C>> {
  const holder = lockHolderOf(pgliteDir);
  let admin: AdminFile | undefined;
  try {
    admin = JSON.parse(readFileSync(adminFileOf(pgliteDir), 'utf8')) as AdminFile;
  } catch {
    admin = undefined;
  }
  if (!holder || !admin || admin.pid !== holder.pid) {
    throw new Error(
      `the embedded database ${pgliteDir} is in use${holder ? ` by PID ${holder.pid}` : ''}, which does not take operator commands ` +
        `(not the web server, or still starting): stop it first, or use a PostgreSQL server (DATABASE_URL)`,
    );
  }
  const res = await fetch(`${admin.url}/admin/cli`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ command, args }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { result?: AdminResult<C>; error?: string };
  if (!res.ok) throw new Error(`the running assistant (PID ${admin.pid}) refused: ${body.error ?? res.status}`);
  return body.result as AdminResult<C>;
}
