import type { Queryable } from '../db/index.ts';
import type { Choice, Reply } from './message.ts';

/** How many recently shown choice ids are remembered per user: a press of an older button is answered as stale. */
export const SHOWN_CHOICES_KEPT = 120;

export interface User {
  id: number;
  channel: string;
  externalId: string;
  displayName: string | null;
  /** The choices shown last: what a typed "2" picks. */
  pending: Choice[] | null;
  /** The choice ids shown to this user recently, newest first: the only ids a button press may carry. */
  shown: string[];
}

/**
 * Users are identified by (channel, platform user id): the same person on two platforms is two users. `address`, the
 * chat their message came from (see `Inbound.address`), becomes where pushes to them go: kept as `push_address` when
 * it differs from the user id, cleared when it is the user id; without one the stored address stays.
 */
export async function upsertUser(
  db: Queryable,
  channel: string,
  externalId: string,
  displayName?: string,
  address?: string,
): Promise<User> {
  const [row] = await db.query<{ id: string; display_name: string | null; pending: Choice[] | null; shown: string[] }>(
    `insert into users (channel, external_id, display_name, push_address) values ($1, $2, $3, nullif($4::text, $2))
     on conflict (channel, external_id) do update
       set display_name = coalesce(excluded.display_name, users.display_name), last_seen_at = now(), reachable = true,
           push_address = case when $4::text is null then users.push_address else excluded.push_address end
     returning id, display_name, pending, shown`,
    [channel, externalId, displayName?.slice(0, 120) ?? null, address ?? null],
  );
  return { id: Number(row!.id), channel, externalId, displayName: row!.display_name, pending: row!.pending, shown: row!.shown };
}

/**
 * The statement that records choices shown to user `$<user>`: they become the pending ones (what a typed "2" picks),
 * and their ids join the recently shown (newest first, at most {@link SHOWN_CHOICES_KEPT}). Parameters: the user id,
 * the choices as JSON (or null: nothing pending) and their ids as `text[]`. Exported as SQL so that a statement
 * marking a push sent can record its choices in the same round trip (see `learn/delivery.ts`).
 */
export const showChoicesSql = (user: string, pending: string, ids: string) =>
  `update users set pending = ${pending}::jsonb,
          shown = array(select id from unnest(${ids}::text[] || users.shown) with ordinality as s(id, ord)
                         group by id order by min(ord) limit ${SHOWN_CHOICES_KEPT})
    where id = ${user}`;

/** Parameters of {@link showChoicesSql}: the choices as JSON and their ids. */
export const shownParams = (choices: readonly Choice[] | null | undefined): [string | null, string[]] => [
  choices?.length ? JSON.stringify(choices) : null,
  (choices ?? []).map((c) => c.id),
];

/** Remembers the choices just shown (see {@link showChoicesSql}); `null` clears the pending ones. */
export async function showChoices(db: Queryable, userId: number, choices: readonly Choice[] | null): Promise<void> {
  await db.query(showChoicesSql('$1', '$2', '$3'), [userId, ...shownParams(choices)]);
}

/**
 * Remembers what the replies of one turn showed: every choice becomes shown (each message keeps its buttons), the
 * last reply with choices becomes pending — none clears them.
 */
export async function showReplies(db: Queryable, userId: number, replies: readonly Reply[]): Promise<void> {
  const last = [...replies].reverse().find((r) => r.choices?.length)?.choices;
  const ids = replies.flatMap((r) => (r.choices ?? []).map((c) => c.id));
  await db.query(showChoicesSql('$1', '$2', '$3'), [userId, last ? JSON.stringify(last) : null, ids]);
}

/**
 * Records choices offered to a user without making them the pending ones (a push queued, not yet sent): a press of
 * them counts once it arrives. Nothing happens for a reply without choices.
 */
export async function offerChoices(db: Queryable, userId: number, choices: readonly Choice[] | undefined): Promise<void> {
  if (!choices?.length) return;
  await db.query(showChoicesSql('$1', 'users.pending', '$2'), [userId, choices.map((c) => c.id)]);
}

/** Stores messages of one user (already redacted), in order, in one statement. */
export async function logMessages(db: Queryable, userId: number, direction: 'in' | 'out', texts: readonly string[]): Promise<void> {
  await db.query(
    'insert into messages (user_id, direction, text) select $1, $2, t from unnest($3::text[]) with ordinality as m(t, n) order by n',
    [userId, direction, texts],
  );
}

/** A user who blocked the bot: no more pushes are tried (a message from them makes them reachable again). */
export const markUnreachableSql = (user: string) => `update users set reachable = false where id = ${user}`;

export async function markUnreachable(db: Queryable, userId: number): Promise<void> {
  await db.query(markUnreachableSql('$1'), [userId]);
}

/**
 * SQL for where pushes to the user in table alias `u` go: the address the channel last gave (Zalo's chat id) or the
 * platform user id. The one place that knows it.
 *
 * @example
 * db.query(`select ${userAddressSql('u')} as address from users u where u.id = $1`, [id]);
 */
export const userAddressSql = (u: string) => `coalesce(${u}.push_address, ${u}.external_id)`;
