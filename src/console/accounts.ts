import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/index.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/**
 * Console accounts, one-time setup links, sessions and failed logins: every SQL the console's access control needs.
 * Secrets (setup tokens, session ids) are random, shown once, and stored only as SHA-256 hashes.
 */

export const ROLES = ['operator', 'editor', 'volunteer'] as const;
export type Role = (typeof ROLES)[number];

export interface Account {
  id: number;
  login: string;
  name: string;
  role: Role;
  active: boolean;
  /** Whether a password was set (the setup link was followed). */
  ready: boolean;
}

/** Setup links stay valid this long. */
export const SETUP_DAYS = 7;
/** A session ends after this long without a request… */
export const SESSION_IDLE_HOURS = 12;
/** …and after this long in any case. */
export const SESSION_MAX_DAYS = 7;
/** Failed logins over this window count towards a lock. */
export const FAILURE_WINDOW_MINUTES = 15;
/** This many failed logins for one account (or from one address) in the window: 429 until the window passes. */
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_ADDRESS = 30;

const secret = () => randomBytes(24).toString('base64url');
export const hashSecret = (s: string) => createHash('sha256').update(s).digest('hex');

type AccountRow = { id: string; login: string; name: string; role: Role; active: boolean; ready: boolean };
const ACCOUNT = `id, login, name, role, active, password_hash is not null as ready`;
const account = (r: AccountRow): Account => ({ ...r, id: Number(r.id) });

/** A login as stored: trimmed, lower case. */
export const normalLogin = (login: string) => login.trim().toLowerCase();

/** Thrown for input a person must fix (the message says what, in Vietnamese, for the page). */
export class AccountError extends Error {
  override name = 'AccountError';
}

export async function listAccounts(db: Queryable): Promise<Account[]> {
  return (await db.query<AccountRow>(`select ${ACCOUNT} from console_accounts order by role, login`)).map(account);
}

export async function accountById(db: Queryable, id: number): Promise<Account | undefined> {
  const [row] = await db.query<AccountRow>(`select ${ACCOUNT} from console_accounts where id = $1`, [id]);
  return row && account(row);
}

export async function hasOperator(db: Queryable): Promise<boolean> {
  const [row] = await db.query(`select 1 from console_accounts where role = 'operator' and active and password_hash is not null limit 1`);
  return row !== undefined;
}

/**
 * A new account without a password, and its one-time setup link token (shown once).
 * @example const { token } = await createAccount(db, { login: 'lan', name: 'Lan', role: 'volunteer' });
 */
export async function createAccount(
  db: Queryable,
  input: { login: string; name: string; role: Role },
  now = new Date(),
): Promise<{ account: Account; token: string }> {
  const login = normalLogin(input.login);
  if (!/^[a-z0-9._@-]{2,60}$/.test(login)) throw new AccountError('Tên đăng nhập gồm 2–60 chữ không dấu, số, dấu . _ @ -.');
  const name = input.name.trim();
  if (!name || name.length > 60) throw new AccountError('Tên hiển thị cần có, tối đa 60 ký tự.');
  if (!ROLES.includes(input.role)) throw new AccountError(`Vai trò phải là ${ROLES.join(', ')}.`);
  const [row] = await db.query<AccountRow>(
    `insert into console_accounts (login, name, role) values ($1, $2, $3) on conflict (login) do nothing returning ${ACCOUNT}`,
    [login, name, input.role],
  );
  if (!row) throw new AccountError(`Tên đăng nhập "${login}" đã có người dùng.`);
  const created = account(row);
  return { account: created, token: await setupToken(db, created.id, now) };
}

/** A fresh setup link for an account (an invite resent, a forgotten password); earlier unused links stop working. */
export async function setupToken(db: Queryable, accountId: number | null, now = new Date()): Promise<string> {
  const token = secret();
  if (accountId !== null) await db.query('delete from console_setup_tokens where account_id = $1 and used_at is null', [accountId]);
  await db.query(`insert into console_setup_tokens (token_hash, account_id, expires_at) values ($1, $2, $3)`, [
    hashSecret(token),
    accountId,
    new Date(now.getTime() + SETUP_DAYS * 86_400_000),
  ]);
  return token;
}

/** What a setup token opens: an account's password page, the first operator's page, or nothing. */
export async function readSetupToken(
  db: Queryable,
  token: string,
  now = new Date(),
): Promise<{ kind: 'account'; account: Account } | { kind: 'first-run' } | undefined> {
  const [row] = await db.query<{ account_id: string | null }>(
    `select account_id from console_setup_tokens where token_hash = $1 and used_at is null and expires_at > $2`,
    [hashSecret(token), now],
  );
  if (!row) return undefined;
  if (row.account_id === null) return (await hasOperator(db)) ? undefined : { kind: 'first-run' };
  const found = await accountById(db, Number(row.account_id));
  return found?.active ? { kind: 'account', account: found } : undefined;
}

/**
 * Follows a setup link: sets the password (and, for the first-run link, creates the first operator), in one
 * transaction that spends the token, so a link works once even when two tabs submit it.
 */
export async function useSetupToken(
  db: Db,
  token: string,
  input: { password: string; login?: string; name?: string },
  now = new Date(),
): Promise<Account> {
  const hash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ account_id: string | null }>(
      `update console_setup_tokens set used_at = $2 where token_hash = $1 and used_at is null and expires_at > $2 returning account_id`,
      [hashSecret(token), now],
    );
    if (!row) throw new AccountError('Liên kết này đã dùng rồi hoặc đã hết hạn. Hãy xin người quản trị một liên kết mới.');
    let id = row.account_id === null ? undefined : Number(row.account_id);
    if (id === undefined) {
      if (await hasOperator(tx)) throw new AccountError('Đã có người quản trị. Hãy đăng nhập.');
      const created = await createAccount(tx, { login: input.login ?? '', name: input.name ?? '', role: 'operator' }, now);
      await tx.query('delete from console_setup_tokens where account_id = $1', [created.account.id]);
      id = created.account.id;
    }
    await tx.query('update console_accounts set password_hash = $2 where id = $1', [id, hash]);
    // a password set anew ends every session of the account
    await tx.query('delete from console_sessions where account_id = $1', [id]);
    return (await accountById(tx, id))!;
  });
}

/** The first-run link's token when no operator exists yet (a new one each start; earlier ones stop working). */
export async function firstRunToken(db: Queryable, now = new Date()): Promise<string | undefined> {
  if (await hasOperator(db)) return undefined;
  await db.query('delete from console_setup_tokens where account_id is null');
  return setupToken(db, null, now);
}

export type LoginResult = { ok: true; account: Account } | { ok: false; locked: boolean };

/** Whether logins for `login` or from `address` are locked now (too many failures in the window). */
export async function loginLocked(db: Queryable, login: string, address: string, now = new Date()): Promise<boolean> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MINUTES * 60_000);
  const [row] = await db.query<{ by_login: string; by_address: string }>(
    `select count(*) filter (where login = $1) as by_login, count(*) filter (where address = $2) as by_address
       from console_login_failures where at > $3 and (login = $1 or address = $2)`,
    [normalLogin(login), address, since],
  );
  return Number(row?.by_login ?? 0) >= MAX_FAILURES_PER_ACCOUNT || Number(row?.by_address ?? 0) >= MAX_FAILURES_PER_ADDRESS;
}

/**
 * Checks a login and password. A failure is recorded; `locked` says the account or the address has now reached its
 * limit (the caller answers 429 and logs it). An unknown login costs the same time as a wrong password.
 */
export async function checkLogin(db: Queryable, login: string, password: string, address: string, now = new Date()): Promise<LoginResult> {
  const name = normalLogin(login);
  if (await loginLocked(db, name, address, now)) return { ok: false, locked: true };
  const [row] = await db.query<AccountRow & { password_hash: string | null }>(
    `select ${ACCOUNT}, password_hash from console_accounts where login = $1`,
    [name],
  );
  const usable = row?.active && row.password_hash ? row.password_hash : undefined;
  const matches = await verifyPassword(password, usable ?? (await DUMMY_HASH));
  if (row && usable && matches) return { ok: true, account: account(row) };
  await db.query('insert into console_login_failures (login, address, at) values ($1, $2, $3)', [name.slice(0, 100), address, now]);
  return { ok: false, locked: await loginLocked(db, name, address, now) };
}
/** Compared against when the login is unknown, so the answer takes as long as for a known one. */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

/** Starts a session for the account: a new random id (the cookie), never one the browser brought. */
export async function startSession(db: Queryable, accountId: number, now = new Date()): Promise<string> {
  const id = secret();
  await db.query(`insert into console_sessions (id_hash, account_id, created_at, seen_at, expires_at) values ($1, $2, $3, $3, $4)`, [
    hashSecret(id),
    accountId,
    now,
    new Date(now.getTime() + SESSION_IDLE_HOURS * 3_600_000),
  ]);
  return id;
}

/**
 * The account of a live session (and the session's age kept fresh), or why there is none: `expired` for a session
 * that existed and ran out (the page says so), `none` otherwise.
 */
export async function sessionAccount(db: Queryable, id: string, now = new Date()): Promise<{ account: Account } | { expired: boolean }> {
  const [row] = await db.query<AccountRow & { expires_at: Date; created_at: Date }>(
    `select a.id, a.login, a.name, a.role, a.active, a.password_hash is not null as ready, s.expires_at, s.created_at
       from console_sessions s join console_accounts a on a.id = s.account_id where s.id_hash = $1`,
    [hashSecret(id)],
  );
  if (!row) return { expired: false };
  const tooOld = now.getTime() - new Date(row.created_at).getTime() > SESSION_MAX_DAYS * 86_400_000;
  if (!row.active || tooOld || new Date(row.expires_at) <= now) {
    await db.query('delete from console_sessions where id_hash = $1', [hashSecret(id)]);
    return { expired: true };
  }
  const idle = new Date(now.getTime() + SESSION_IDLE_HOURS * 3_600_000);
  // at most one write a minute per session
  if (idle.getTime() - new Date(row.expires_at).getTime() > 60_000)
    await db.query('update console_sessions set seen_at = $2, expires_at = $3 where id_hash = $1', [hashSecret(id), now, idle]);
  return { account: account(row) };
}

export async function endSession(db: Queryable, id: string): Promise<void> {
  await db.query('delete from console_sessions where id_hash = $1', [hashSecret(id)]);
}

/** Turns an account off (or on); turning it off ends its sessions. */
export async function setActive(db: Queryable, id: number, active: boolean): Promise<void> {
  await db.query('update console_accounts set active = $2 where id = $1', [id, active]);
  if (!active) await db.query('delete from console_sessions where account_id = $1', [id]);
}

/** Deletes expired sessions and failures older than a day (the daily pruner). */
export async function pruneConsole(db: Queryable, now = new Date()): Promise<void> {
  await db.query('delete from console_sessions where expires_at < $1', [now]);
  await db.query('delete from console_login_failures where at < $1', [new Date(now.getTime() - 86_400_000)]);
}
