import type { Choice } from '../core/message.ts';
import type { Queryable } from '../db/index.ts';

/** How many messages the page gets back after a reload. */
export const HISTORY_MESSAGES = 20;

export interface HistoryMessage {
  direction: 'in' | 'out';
  /** As stored: redacted. */
  text: string;
}

/**
 * The last `limit` messages of one web session, oldest first (the page's hidden `/start` left out), and the choices
 * still pending for it (the buttons of the last reply): read only — the users table is written by core/users.ts.
 */
export async function webHistory(
  db: Queryable,
  channel: string,
  session: string,
  limit = HISTORY_MESSAGES,
): Promise<{ messages: HistoryMessage[]; pending: Choice[] }> {
  const rows = await db.query<{ direction: 'in' | 'out'; text: string }>(
    `select direction, text from (
       select m.id, m.direction, m.text from messages m join users u on u.id = m.user_id
        where u.channel = $1 and u.external_id = $2 and not (m.direction = 'in' and m.text = '/start')
        order by m.id desc limit $3
     ) last order by id`,
    [channel, session, limit],
  );
  const [user] = await db.query<{ pending: Choice[] | null }>('select pending from users where channel = $1 and external_id = $2', [
    channel,
    session,
  ]);
  return { messages: rows.map((r) => ({ direction: r.direction, text: r.text })), pending: user?.pending ?? [] };
}
