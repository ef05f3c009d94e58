/**
 * Volunteers and their invites: who may see and serve help requests. The SQL on `volunteers` and
 * `volunteer_invites` is here; the `users` rows behind them are written by core/users.ts only.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Db, Queryable } from '../db/index.ts';
import { upsertUser, userAddressSql } from '../core/users.ts';

/** A registered volunteer: a user of Telegram, Zalo or the console's inbox who may see and serve help requests. */
export interface Volunteer {
  id: number;
  userId: number;
  name: string;
  channel: string;
  /** Where pushes reach them privately (their chat). */
  address: string;
  active: boolean;
}

/** The columns of a {@link Volunteer}, from volunteer `v` and their user `u` (read back with {@link volunteerFromRow}). */
export const volunteerColumns = (v: string, u: string) =>
  `${v}.id, ${v}.user_id, ${v}.name, ${v}.active, ${u}.channel, ${userAddressSql(u)} as address`;

const SELECT = `select ${volunteerColumns('v', 'u')} from volunteers v join users u on u.id = v.user_id`;

/** A row of {@link volunteerColumns}, as a query returns it or as JSON (`to_jsonb`: ids as numbers). */
export type VolunteerRow = {
  id: string | number;
  user_id: string | number;
  name: string;
  active: boolean;
  channel: string;
  address: string;
};
/** A {@link Volunteer} from a row of {@link volunteerColumns}. */
export const volunteerFromRow = (r: VolunteerRow): Volunteer => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  name: r.name,
  channel: r.channel,
  address: r.address,
  active: r.active,
});

/** The active volunteer this user is, if any: the server-side check before a volunteer action (see also involvement-store.ts). */
export async function volunteerOf(db: Queryable, userId: number): Promise<Volunteer | undefined> {
  const [row] = await db.query<VolunteerRow>(`${SELECT} where v.user_id = $1 and v.active`, [userId]);
  return row && volunteerFromRow(row);
}

/** An active volunteer by number or by name (case- and accent-insensitive), for `/chuyen`. */
export async function findVolunteer(db: Queryable, key: string): Promise<Volunteer | undefined> {
  const rows = /^\d+$/.test(key)
    ? await db.query<VolunteerRow>(`${SELECT} where v.id = $1 and v.active`, [Number(key)])
    : await db.query<VolunteerRow>(`${SELECT} where v.active and lower(unaccent(v.name)) = lower(unaccent($1))`, [key.trim()]);
  return rows.length === 1 ? volunteerFromRow(rows[0]!) : undefined;
}

/** The volunteers, in the order they were registered (`activeOnly`: without those deactivated). */
export async function listVolunteers(db: Queryable, options: { activeOnly?: boolean } = {}): Promise<Volunteer[]> {
  return (await db.query<VolunteerRow>(`${SELECT} ${options.activeOnly ? 'where v.active' : ''} order by v.id`)).map(volunteerFromRow);
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

/** A volunteer deactivated before may serve again; false if there was no inactive volunteer `id`. */
export async function reactivateVolunteer(db: Queryable, id: number): Promise<boolean> {
  return (await db.query('update volunteers set active = true where id = $1 and not active returning id', [id])).length > 0;
}

/** The volunteer user `userId` is, active or not (the console tells "turned off" from "never registered"). */
export async function volunteerRecordOf(db: Queryable, userId: number): Promise<Volunteer | undefined> {
  const [row] = await db.query<VolunteerRow>(`${SELECT} where v.user_id = $1`, [userId]);
  return row && volunteerFromRow(row);
}

/** Stops a volunteer from seeing or serving requests; false if there was no active volunteer `id`. */
export async function deactivateVolunteer(db: Queryable, id: number): Promise<boolean> {
  return (await db.query('update volunteers set active = false where id = $1 and active returning id', [id])).length > 0;
}

/**
 * Active volunteers who can be told of a new request privately now: reachable (they have not blocked the bot) and
 * holding no request.
 */
export async function freeVolunteers(db: Queryable): Promise<Volunteer[]> {
  const rows = await db.query<VolunteerRow>(
    `${SELECT} where v.active and u.reachable and not exists (select 1 from tickets t where t.volunteer_id = v.id and t.status = 'active')`,
  );
  return rows.map(volunteerFromRow);
}

/**
 * The volunteers' inbox of the web console (`/console/inbox`) as a channel: its users are console accounts (external
 * id = account id), and what is pushed to them waits in the outbox until their page fetches it.
 */
export const CONSOLE_CHANNEL = 'console';
/**
 * A console volunteer counts as reachable while their inbox is open: seen (a page load or a poll) this recently. A
 * Telegram or Zalo volunteer's phone rings; a closed browser tab does not, so no request is promised to it.
 */
export const CONSOLE_SEEN_MINUTES = 10;

/** Whether any active volunteer uses one of these channels (on the console: one seen in the last few minutes). */
export async function anyVolunteerOn(db: Queryable, channels: readonly string[], now = new Date()): Promise<boolean> {
  const [row] = await db.query(
    `select 1 from volunteers v join users u on u.id = v.user_id
      where v.active and u.channel = any($1::text[])
        and (u.channel <> $2 or u.last_seen_at > $3::timestamptz - $4 * interval '1 minute')
      limit 1`,
    [[...channels], CONSOLE_CHANNEL, now, CONSOLE_SEEN_MINUTES],
  );
  return row !== undefined;
}

/** What invite codes are made of: letters and digits without look-alikes (no 0/O, 1/I); a code is TNV-XXXX-XXXX. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const hashCode = (code: string) =>
  createHash('sha256')
    .update(code.toUpperCase().replace(/[^A-Z0-9]/g, ''))
    .digest('hex');
export const INVITE_PATTERN = /\bTNV-?[A-Z0-9]{4}-?[A-Z0-9]{4}\b/i;

/** A one-time invite for a future volunteer named `name`; only its hash is stored. */
export async function createInvite(db: Queryable, name: string, validDays = 7, now = new Date()): Promise<string> {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const code = `TNV-${pick()}-${pick()}`;
  await db.query('insert into volunteer_invites (code_hash, name, expires_at) values ($1, $2, $3)', [
    hashCode(code),
    name.trim().slice(0, 40),
    new Date(now.getTime() + validDays * 86_400_000),
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
      `insert into volunteers (user_id, name) values ($1, $2)
       on conflict (user_id) do update set name = excluded.name, active = true returning id`,
      [userId, invite.name],
    );
    await tx.query('update volunteer_invites set used_by = $2 where code_hash = $1', [hashCode(code), v!.id]);
    return volunteerOf(tx, userId);
  });
}
