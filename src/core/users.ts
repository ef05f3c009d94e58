import type { Queryable } from '../db/index.ts';
import type { Choice } from './message.ts';

export interface User {
  id: number;
  channel: string;
  externalId: string;
  displayName: string | null;
  pending: Choice[] | null;
}

/** Users are identified by (channel, platform user id): the same person on two platforms is two users. */
export async function upsertUser(db: Queryable, channel: string, externalId: string, displayName?: string): Promise<User> {
  const [row] = await db.query<{ id: string; display_name: string | null; pending: Choice[] | null }>(
    `insert into users (channel, external_id, display_name) values ($1, $2, $3)
     on conflict (channel, external_id) do update
       set display_name = coalesce(excluded.display_name, users.display_name), last_seen_at = now()
     returning id, display_name, pending`,
    [channel, externalId, displayName?.slice(0, 120) ?? null],
  );
  return { id: Number(row!.id), channel, externalId, displayName: row!.display_name, pending: row!.pending };
}

/** Remembers the choices shown last, so "2" typed on a channel without buttons picks the second. */
export async function setPending(db: Queryable, userId: number, choices: Choice[] | null): Promise<void> {
  await db.query('update users set pending = $2 where id = $1', [userId, choices ? JSON.stringify(choices) : null]);
}

export async function logMessage(db: Queryable, userId: number, direction: 'in' | 'out', text: string): Promise<void> {
  await db.query('insert into messages (user_id, direction, text) values ($1, $2, $3)', [userId, direction, text]);
}
