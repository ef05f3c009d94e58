import { createHash, randomInt } from 'node:crypto';
import type { Db, Queryable } from '../db/index.ts';
import { upsertUser } from '../core/users.ts';

/** A registered volunteer: a user of Telegram or Zalo who may see and serve help requests. */
export interface Volunteer {
  id: number;
  userId: number;
  name: string;
  channel: string;
  /** Where pushes reach them privately (their chat). */
  address: string;
  active: boolean;
}

const SELECT = `select v.id, v.user_id, v.name, v.active, u.channel, coalesce(u.push_address, u.external_id) as address
                  from volunteers v join users u on u.id = v.user_id`;

type Row = { id: string; user_id: string; name: string; active: boolean; channel: string; address: string };
const toVolunteer = (r: Row): Volunteer => ({ id: Number(r.id), userId: Number(r.user_id), name: r.name, channel: r.channel, address: r.address, active: r.active });

/** The active volunteer this user is, if any. Every volunteer action starts here: the check is server-side. */
export async function volunteerOf(db: Queryable, userId: number): Promise<Volunteer | undefined> {
  const [row] = await db.query<Row>(`${SELECT} where v.user_id = $1 and v.active`, [userId]);
  return row && toVolunteer(row);
}

export async function volunteerById(db: Queryable, id: number): Promise<Volunteer | undefined> {
  const [row] = await db.query<Row>(`${SELECT} where v.id = $1`, [id]);
  return row && toVolunteer(row);
}

/** An active volunteer by number or by name (case- and accent-insensitive), for `/chuyen`. */
export async function findVolunteer(db: Queryable, key: string): Promise<Volunteer | undefined> {
  const rows = /^\d+$/.test(key)
    ? await db.query<Row>(`${SELECT} where v.id = $1 and v.active`, [Number(key)])
    : await db.query<Row>(`${SELECT} where v.active and lower(unaccent(v.name)) = lower(unaccent($1))`, [key.trim()]);
  return rows.length === 1 ? toVolunteer(rows[0]!) : undefined;
}

export async function listVolunteers(db: Queryable, options: { activeOnly?: boolean } = {}): Promise<Volunteer[]> {
  return (await db.query<Row>(`${SELECT} ${options.activeOnly ? 'where v.active' : ''} order by v.id`)).map(toVolunteer);
}

/** Registers (or re-activates and renames) the user `externalId` of `channel` as a volunteer. */
export async function addVolunteer(db: Queryable, input: { channel: string; externalId: string; name: string }): Promise<Volunteer> {
  const user = await upsertUser(db, input.channel, input.externalId);
  await db.query(
    `insert into volunteers (user_id, name) values ($1, $2) on conflict (user_id) do update set name = excluded.name, active = true`,
    [user.id, input.name.trim().slice(0, 40)],
  );
  return (await volunteerOf(db, user.id))!;
}

export async function deactivateVolunteer(db: Queryable, id: number): Promise<boolean> {
  return (await db.query('update volunteers set active = false where id = $1 and active returning id', [id])).length > 0;
}

/** What invite codes are made of: letters and digits without look-alikes (no 0/O, 1/I); a code is TNV-XXXX-XXXX. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const hashCode = (code: string) => createHash('sha256').update(code.toUpperCase().replace(/[^A-Z0-9]/g, '')).digest('hex');
export const INVITE_PATTERN = /\bTNV-?[A-Z0-9]{4}-?[A-Z0-9]{4}\b/i;

/** A one-time invite for a future volunteer named `name`; only its hash is stored. */
export async function createInvite(db: Queryable, name: string, validDays = 7, now = new Date()): Promise<string> {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const code = `TNV-${pick()}-${pick()}`;
  await db.query('insert into volunteer_invites (code_hash, name, expires_at) values ($1, $2, $3)', [
    hashCode(code), name.trim().slice(0, 40), new Date(now.getTime() + validDays * 86_400_000),
  ]);
  return code;
}

/** Uses an invite for this user (once, before it expires); the user becomes an active volunteer. */
export async function redeemInvite(db: Db, code: string, userId: number, now = new Date()): Promise<Volunteer | undefined> {
  return db.transaction(async (tx) => {
    const [invite] = await tx.query<{ name: string }>(
      `update volunteer_invites set used_at = $2 where code_hash = $1 and used_at is null and expires_at > $2 returning name`,
      [hashCode(code), now],
    );
    if (!invite) return undefined;
    const [v] = await tx.query<{ id: string }>(
      `insert into volunteers (user_id, name) values ($1, $2) on conflict (user_id) do update set name = excluded.name, active = true returning id`,
      [userId, invite.name],
    );
    await tx.query('update volunteer_invites set used_by = $2 where code_hash = $1', [hashCode(code), v!.id]);
    return volunteerOf(tx, userId);
  });
}
