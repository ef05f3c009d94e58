import type { Reply } from '../core/message.ts';
import { upsertUser } from '../core/users.ts';
import type { Queryable } from '../db/index.ts';
import { addVolunteer, CONSOLE_CHANNEL, volunteerRecordOf, type Volunteer } from '../handoff/volunteers.ts';
import type { Account } from './accounts.ts';

/**
 * What the volunteer inbox reads: the console account as a user of the `console` channel and as a volunteer, a held
 * request's story (as stored: redacted), the roster for operators, and the pushes waiting for the page. Every change
 * to a request goes through the conversation core (the chat's code path), never through here.
 */

/** The `users` row of a console account (its external id is the account id); marks it seen (see CONSOLE_SEEN_MINUTES). */
export async function consoleUser(db: Queryable, account: Account): Promise<number> {
  return (await upsertUser(db, CONSOLE_CHANNEL, String(account.id))).id;
}

/** The volunteer a console account is (active or not), if it was ever registered. */
export async function consoleVolunteer(db: Queryable, userId: number): Promise<Volunteer | undefined> {
  return volunteerRecordOf(db, userId);
}

/** Registers a console account as a volunteer signing with the account's name (re-activates one turned off). */
export function linkConsoleAccount(db: Queryable, account: Pick<Account, 'id' | 'name'>): Promise<Volunteer> {
  return addVolunteer(db, { channel: CONSOLE_CHANNEL, externalId: String(account.id), name: account.name });
}

export interface StoryLine {
  who: 'citizen' | 'bot' | 'volunteer';
  text: string;
  /** The volunteer who wrote it (their replies may come from another channel, or from before a transfer). */
  name?: string;
  at: Date;
}

/**
 * A request's story for the volunteer holding it: the citizen's last messages with the bot before they asked for a
 * person, then everything said in the request. All as stored: redacted.
 */
export async function requestStory(db: Queryable, ticketId: number): Promise<{ before: StoryLine[]; during: StoryLine[] }> {
  const before = await db.query<{ direction: 'in' | 'out'; text: string; created_at: Date }>(
    `select direction, text, created_at from (
       select m.id, m.direction, m.text, m.created_at from messages m join tickets t on t.citizen_id = m.user_id
        where t.id = $1 and m.created_at <= t.created_at order by m.id desc limit 8) last
      order by id`,
    [ticketId],
  );
  const during = await db.query<{ sender: 'citizen' | 'volunteer'; text: string; name: string | null; created_at: Date }>(
    `select sender, text, name, created_at from (
       select m.id, m.sender, m.text, v.name, m.created_at from ticket_messages m left join volunteers v on v.id = m.volunteer_id
        where m.ticket_id = $1 order by m.id desc limit 100) last
      order by id`,
    [ticketId],
  );
  return {
    before: before.map((m) => ({ who: m.direction === 'in' ? 'citizen' : 'bot', text: m.text, at: new Date(m.created_at) })),
    during: during.map((m) => ({ who: m.sender, text: m.text, ...(m.name ? { name: m.name } : {}), at: new Date(m.created_at) })),
  };
}

/**
 * The pushes waiting for this inbox, acknowledged: the page being drawn shows the same things from the tables (the
 * queue, the held request's story). Returns the cursor the page polls from.
 */
export async function acknowledgePushes(db: Queryable, address: string): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `update push_outbox set status = 'sent', sent_at = now() where channel = $1 and address = $2 and status = 'pending' returning id`,
    [CONSOLE_CHANNEL, address],
  );
  return rows.reduce((max, r) => Math.max(max, Number(r.id)), 0);
}

/** The bot's replies to this console user after message `after` (what the last action answered), oldest first. */
export async function repliesAfter(db: Queryable, userId: number, after: number): Promise<string[]> {
  const rows = await db.query<{ text: string }>(
    `select text from messages where user_id = $1 and direction = 'out' and id > $2 order by id limit 6`,
    [userId, after],
  );
  return rows.map((r) => r.text);
}

/** The id of this user's last message (before an action: its replies come after). */
export async function lastMessageId(db: Queryable, userId: number): Promise<number> {
  const [row] = await db.query<{ id: string | null }>('select max(id) as id from messages where user_id = $1', [userId]);
  return Number(row?.id ?? 0);
}

export interface RosterRow {
  id: number;
  name: string;
  channel: string;
  active: boolean;
  /** The request they hold now. */
  holding: number | null;
  lastSeen: Date;
  /** For console volunteers: their account's login. */
  login: string | null;
}

/** Every volunteer, with the request each holds and when they were last seen. */
export async function volunteerRoster(db: Queryable): Promise<RosterRow[]> {
  const rows = await db.query<{
    id: string;
    name: string;
    channel: string;
    active: boolean;
    holding: string | null;
    last_seen_at: Date;
    login: string | null;
  }>(
    `select v.id, v.name, u.channel, v.active, u.last_seen_at,
            (select t.id from tickets t where t.volunteer_id = v.id and t.status = 'active') as holding,
            (select a.login from console_accounts a where u.channel = $1 and a.id::text = u.external_id) as login
       from volunteers v join users u on u.id = v.user_id order by v.active desc, v.id`,
    [CONSOLE_CHANNEL],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    channel: r.channel,
    active: r.active,
    holding: r.holding === null ? null : Number(r.holding),
    lastSeen: new Date(r.last_seen_at),
    login: r.login,
  }));
}

/** Console accounts that may use the inbox (operators, volunteers) and are not volunteers yet. */
export async function unlinkedAccounts(db: Queryable): Promise<Pick<Account, 'id' | 'login' | 'name' | 'role'>[]> {
  const rows = await db.query<{ id: string; login: string; name: string; role: Account['role'] }>(
    `select a.id, a.login, a.name, a.role from console_accounts a
      where a.active and a.role in ('operator', 'volunteer')
        and not exists (select 1 from users u join volunteers v on v.user_id = u.id where u.channel = $1 and u.external_id = a.id::text)
      order by a.login`,
    [CONSOLE_CHANNEL],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** A push as the page shows it: text with `**bold**` and the buttons. */
export const pushJson = (r: Reply) => ({ text: r.text, choices: r.choices ?? [] });
