/**
 * Help requests and their life: draft (waiting for the problem line) → waiting (queued, announced) → active (one
 * volunteer holds it) → closed (rated), or cancelled. Every state change is one conditional UPDATE, so two volunteers
 * (in two processes) can never both hold a request. The SQL on `tickets`, `ticket_messages`, `ticket_events` and
 * `guide_suggestions` the desk runs is here.
 */
import { userAddressSql } from '../core/users.ts';
import type { Db, Queryable } from '../db/index.ts';

/** Where a request is in its life (see the top of this file). */
export type TicketStatus = 'draft' | 'waiting' | 'active' | 'closed' | 'cancelled';

export interface Ticket {
  id: number;
  citizenId: number;
  status: TicketStatus;
  problem: string | null;
  volunteerId: number | null;
  createdAt: Date;
  queuedAt: Date | null;
  closedAt: Date | null;
  rating: number | null;
  awaitingComment: boolean;
  /** The citizen's channel and where pushes reach them. */
  channel: string;
  address: string;
}

/** The columns of a {@link Ticket}, from request `t` and its citizen `u` (read back with {@link ticketFromRow}). */
export const ticketColumns = (t: string, u: string) =>
  `${t}.id, ${t}.citizen_id, ${t}.status, ${t}.problem, ${t}.volunteer_id, ${t}.created_at, ${t}.queued_at, ${t}.closed_at,
   ${t}.rating, ${t}.awaiting_comment, ${u}.channel, ${userAddressSql(u)} as address`;

const SELECT = `select ${ticketColumns('t', 'u')} from tickets t join users u on u.id = t.citizen_id`;

/** A row of {@link ticketColumns}, as a query returns it or as JSON (`to_jsonb`: numbers, and times as text). */
export type TicketRow = {
  id: string | number;
  citizen_id: string | number;
  status: TicketStatus;
  problem: string | null;
  volunteer_id: string | number | null;
  created_at: Date | string;
  queued_at: Date | string | null;
  closed_at: Date | string | null;
  rating: number | null;
  awaiting_comment: boolean;
  channel: string;
  address: string;
};
const time = (v: Date | string | null) => (v === null ? null : new Date(v));
/** A {@link Ticket} from a row of {@link ticketColumns}. */
export const ticketFromRow = (r: TicketRow): Ticket => ({
  id: Number(r.id),
  citizenId: Number(r.citizen_id),
  status: r.status,
  problem: r.problem,
  volunteerId: r.volunteer_id === null ? null : Number(r.volunteer_id),
  createdAt: new Date(r.created_at),
  queuedAt: time(r.queued_at),
  closedAt: time(r.closed_at),
  rating: r.rating,
  awaitingComment: r.awaiting_comment,
  channel: r.channel,
  address: r.address,
});

/** Request `id`, whatever its state. */
export async function getTicket(db: Queryable, id: number): Promise<Ticket | undefined> {
  const [row] = await db.query<TicketRow>(`${SELECT} where t.id = $1`, [id]);
  return row && ticketFromRow(row);
}

/** The citizen's open request (draft, waiting or active), if any. */
export async function openTicketOf(db: Queryable, citizenId: number): Promise<Ticket | undefined> {
  const [row] = await db.query<TicketRow>(`${SELECT} where t.citizen_id = $1 and t.status in ('draft', 'waiting', 'active')`, [citizenId]);
  return row && ticketFromRow(row);
}

/** The request this volunteer holds now, if any (at most one). */
export async function heldBy(db: Queryable, volunteerId: number): Promise<Ticket | undefined> {
  const [row] = await db.query<TicketRow>(`${SELECT} where t.volunteer_id = $1 and t.status = 'active'`, [volunteerId]);
  return row && ticketFromRow(row);
}

/** Writes down what happened to a request (queued, claimed, rated…), for the figures and for audits. */
export async function event(db: Queryable, ticketId: number, kind: string, volunteerId?: number | null, detail?: string): Promise<void> {
  await db.query('insert into ticket_events (ticket_id, kind, volunteer_id, detail) values ($1, $2, $3, $4)', [
    ticketId,
    kind,
    volunteerId ?? null,
    detail ?? null,
  ]);
}

/** Starts a request waiting for its problem line (a no-op when one is already open, e.g. a double tap). */
export async function createDraft(db: Queryable, citizenId: number, now: Date): Promise<void> {
  await db.query(
    `insert into tickets (citizen_id, status, created_at) values ($1, 'draft', $2)
     on conflict (citizen_id) where status in ('draft', 'waiting', 'active') do nothing`,
    [citizenId, now],
  );
}

/** Puts a request (the citizen's draft, or a new one) in the queue with its problem line, and returns it. */
export async function queueTicket(db: Db, citizenId: number, problem: string, now: Date): Promise<Ticket> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `update tickets set status = 'waiting', problem = $2, queued_at = $3 where citizen_id = $1 and status = 'draft' returning id`,
      [citizenId, problem, now],
    );
    const id = row
      ? Number(row.id)
      : Number(
          (
            await tx.query<{ id: string }>(
              `insert into tickets (citizen_id, status, problem, created_at, queued_at) values ($1, 'waiting', $2, $3, $3) returning id`,
              [citizenId, problem, now],
            )
          )[0]!.id,
        );
    await event(tx, id, 'queued');
    return (await getTicket(tx, id))!;
  });
}

/** How many requests are ahead in the queue, plus this one (1 = next). */
export async function queuePosition(db: Queryable, ticket: Ticket): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from tickets where status = 'waiting' and (queued_at, id) <= ($1, $2)`,
    [ticket.queuedAt, ticket.id],
  );
  return row!.n;
}

export type ClaimResult =
  | { ok: true; ticket: Ticket }
  | { ok: false; reason: 'taken'; holder: string | null }
  | { ok: false; reason: 'busy'; held: number }
  | { ok: false; reason: 'gone' };

/**
 * A volunteer takes a waiting request. One conditional UPDATE decides: of two volunteers claiming at once exactly one
 * changes the row; the other learns who has it. A volunteer holds one request at a time (a unique index).
 */
export async function claimTicket(
  db: Db,
  ticketId: number,
  volunteerId: number,
  now: Date,
  /** Runs in the claim's transaction (the messages the claim causes). */
  then?: (tx: Queryable, ticket: Ticket) => Promise<void>,
): Promise<ClaimResult> {
  const held = await heldBy(db, volunteerId);
  if (held && held.id !== ticketId) return { ok: false, reason: 'busy', held: held.id };
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.query<{ id: string }>(
        `update tickets set status = 'active', volunteer_id = $2, claimed_at = $3 where id = $1 and status = 'waiting' returning id`,
        [ticketId, volunteerId, now],
      );
      if (!row) {
        const [t] = await tx.query<{ status: string; name: string | null }>(
          'select t.status, v.name from tickets t left join volunteers v on v.id = t.volunteer_id where t.id = $1',
          [ticketId],
        );
        return t?.status === 'active' ? { ok: false, reason: 'taken', holder: t.name } : { ok: false, reason: 'gone' };
      }
      await event(tx, ticketId, 'claimed', volunteerId);
      const ticket = (await getTicket(tx, ticketId))!;
      await then?.(tx, ticket);
      return { ok: true, ticket };
    });
  } catch (err) {
    // the one-active-request-per-volunteer index: the same volunteer claimed two requests at the same moment
    if ((err as { code?: string }).code === '23505') return { ok: false, reason: 'busy', held: (await heldBy(db, volunteerId))?.id ?? 0 };
    throw err;
  }
}

/**
 * Stores one relayed message (already redacted); the first volunteer message also sets the request's first-response
 * time, in the same statement.
 */
export async function addTicketMessage(
  db: Queryable,
  ticketId: number,
  sender: 'citizen' | 'volunteer',
  text: string,
  volunteerId: number | null,
  now: Date,
): Promise<void> {
  await db.query(
    `with stored as (insert into ticket_messages (ticket_id, sender, volunteer_id, text, created_at) values ($1, $2, $3, $4, $5))
     update tickets set first_response_at = coalesce(first_response_at, $5) where id = $1 and $2 = 'volunteer'`,
    [ticketId, sender, volunteerId, text, now],
  );
}

/**
 * Moves a request out of `from` (checked in the same statement, as is `heldBy`: only while that volunteer holds it);
 * false if it was not in that state any more.
 */
export async function moveTicket(
  db: Queryable,
  ticketId: number,
  change: { from: TicketStatus[]; to: TicketStatus; volunteerId?: number | null; now: Date; heldBy?: number },
): Promise<boolean> {
  const rows = await db.query(
    `update tickets set status = $2,
            volunteer_id = case when $3::boolean then $4::bigint else volunteer_id end,
            closed_at = case when $2 in ('closed', 'cancelled') then $5::timestamptz else closed_at end,
            awaiting_comment = false,
            queued_at = case when $2 = 'waiting' then $5::timestamptz else queued_at end,
            reannounced_at = case when $2 = 'waiting' then null else reannounced_at end,
            gave_up_notice_at = case when $2 = 'waiting' then null else gave_up_notice_at end,
            claimed_at = case when $2 = 'active' and $3::boolean then $5::timestamptz else claimed_at end
      where id = $1 and status = any($6::text[]) and ($7::bigint is null or volunteer_id = $7::bigint)
      returning id`,
    [ticketId, change.to, change.volunteerId !== undefined, change.volunteerId ?? null, change.now, change.from, change.heldBy ?? null],
  );
  return rows.length > 0;
}

/** The rating (1–5) of a closed request, by its citizen only and once; the request then awaits their comment. */
export async function rateTicket(db: Queryable, ticketId: number, citizenId: number, rating: number): Promise<boolean> {
  const rows = await db.query(
    `update tickets set rating = $3, awaiting_comment = true
      where id = $1 and citizen_id = $2 and status = 'closed' and rating is null returning id`,
    [ticketId, citizenId, rating],
  );
  if (rows.length) await event(db, ticketId, 'rated', null, String(rating));
  return rows.length > 0;
}

/** The citizen's comment on the request they rated (redacted); it no longer awaits one. */
export async function commentTicket(db: Queryable, ticketId: number, comment: string): Promise<void> {
  await db.query('update tickets set comment = $2, awaiting_comment = false where id = $1', [ticketId, comment]);
}

/** The citizen declined to comment on their last rated request (closed after `since`): it no longer awaits one. */
export async function skipComment(db: Queryable, citizenId: number, since: Date): Promise<void> {
  await db.query(
    `update tickets set comment = null, awaiting_comment = false
      where id = (select id from tickets where citizen_id = $1 and awaiting_comment and closed_at > $2 order by closed_at desc limit 1)`,
    [citizenId, since],
  );
}

/** The last messages of the citizen's conversation with the bot (already redacted when stored), oldest first. */
export async function recentConversation(
  db: Queryable,
  citizenId: number,
  limit = 8,
): Promise<{ direction: 'in' | 'out'; text: string }[]> {
  const rows = await db.query<{ direction: 'in' | 'out'; text: string }>(
    'select direction, text from messages where user_id = $1 order by id desc limit $2',
    [citizenId, limit],
  );
  return rows.reverse();
}

/** The citizen's last real question to the bot (not a guide picked with a button, `[chọn] …`), to pre-fill the problem line. */
export async function lastQuestion(db: Queryable, citizenId: number): Promise<string | undefined> {
  const [row] = await db.query<{ question: string }>(
    `select question from asks where user_id = $1 and question not like '[%' order by id desc limit 1`,
    [citizenId],
  );
  return row?.question;
}

/** Median minutes from queue to the first volunteer message over the last 50 answered requests (needs 5). */
export async function typicalWaitMinutes(db: Queryable): Promise<number | undefined> {
  const [row] = await db.query<{ n: number; median: number | null }>(
    `select count(*)::int as n,
            percentile_cont(0.5) within group (order by extract(epoch from first_response_at - queued_at) / 60) as median
       from (select first_response_at, queued_at from tickets where first_response_at is not null order by id desc limit 50) t`,
  );
  return row && row.n >= 5 && row.median !== null ? Math.max(1, Math.round(row.median)) : undefined;
}

/** The first `limit` requests in the queue, oldest first. */
export async function waitingTickets(db: Queryable, limit: number): Promise<Ticket[]> {
  const rows = await db.query<TicketRow>(`${SELECT} where t.status = 'waiting' order by t.queued_at, t.id limit $1`, [limit]);
  return rows.map(ticketFromRow);
}

/** The request this volunteer holds or closed last: the one `/luu` saves an answer of. */
export async function lastServedBy(db: Queryable, volunteerId: number): Promise<{ id: number; problem: string } | undefined> {
  const [row] = await db.query<{ id: string; problem: string }>(
    `select id, problem from tickets where volunteer_id = $1 and status in ('active', 'closed')
      order by coalesce(closed_at, claimed_at) desc nulls last limit 1`,
    [volunteerId],
  );
  return row && { id: Number(row.id), problem: row.problem };
}

/** What a volunteer last wrote to the citizen of a request (as stored: redacted). */
export async function lastVolunteerMessage(db: Queryable, ticketId: number): Promise<string | undefined> {
  const [row] = await db.query<{ text: string }>(
    `select text from ticket_messages where ticket_id = $1 and sender = 'volunteer' order by id desc limit 1`,
    [ticketId],
  );
  return row?.text;
}

/** A volunteer's answer to a request's problem, kept for the content editors (`cli handoff suggestions`). */
export async function addGuideSuggestion(
  db: Queryable,
  s: { ticketId: number; volunteerId: number; question: string; answer: string },
): Promise<void> {
  await db.query('insert into guide_suggestions (ticket_id, volunteer_id, question, answer) values ($1, $2, $3, $4)', [
    s.ticketId,
    s.volunteerId,
    s.question,
    s.answer,
  ]);
}

/** Drafts started before `before` and never given a problem line are cancelled; returns how many. */
export async function dropDrafts(db: Queryable, before: Date, now: Date): Promise<number> {
  const rows = await db.query(
    `update tickets set status = 'cancelled', closed_at = $1 where status = 'draft' and created_at <= $2 returning id`,
    [now, before],
  );
  return rows.length;
}

/**
 * Sets `mark` (re-announced, or citizen told nobody came), once, on the waiting requests queued before `before` —
 * counted from `dutyStart` when they were queued before duty began. Returns their ids, for the caller to act on in
 * the same transaction.
 */
export async function markWaitingDue(
  db: Queryable,
  mark: 'reannounced_at' | 'gave_up_notice_at',
  before: Date,
  dutyStart: Date,
  now: Date,
): Promise<number[]> {
  const rows = await db.query<{ id: string }>(
    `update tickets set ${mark} = $1 where status = 'waiting' and ${mark} is null and greatest(queued_at, $3) <= $2 returning id`,
    [now, before, dutyStart],
  );
  return rows.map((r) => Number(r.id));
}
