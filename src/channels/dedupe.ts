import type { Queryable } from '../db/index.ts';

/**
 * Records an update as processed and says whether this is the first time it is seen. Durable (Postgres), so a
 * webhook retry, a second process or a restart never answers the same update twice.
 */
export async function firstTime(db: Queryable, channel: string, key: string): Promise<boolean> {
  const rows = await db.query(
    'insert into processed_updates (channel, key) values ($1, $2) on conflict do nothing returning key',
    [channel, key],
  );
  return rows.length > 0;
}

/** Marks a user the platform refuses to deliver to (blocked the bot), so nothing is pushed to them. */
export async function markUnreachable(db: Queryable, channel: string, externalId: string): Promise<void> {
  await db.query('update users set reachable = false where channel = $1 and external_id = $2', [channel, externalId]);
}
