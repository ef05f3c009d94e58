/**
 * The one lookup the help desk makes for every incoming message: how its sender is involved with the desk right now.
 * An ordinary citizen's message costs this one statement and nothing else in handoff.
 */
import type { Queryable } from '../db/index.ts';
import { ticketColumns, ticketFromRow, type Ticket, type TicketRow } from './tickets.ts';
import { volunteerFromRow, volunteerColumns, type Volunteer, type VolunteerRow } from './volunteers.ts';

export interface Involvement {
  /** The user's own open request (draft, waiting or active), if any… */
  open?: Ticket;
  /** …and, when it is active, the volunteer holding it (active or not: they were when they took it). */
  openHolder?: Volunteer;
  /** The active volunteer this user is, if any… */
  volunteer?: Volunteer;
  /** …and the request they hold (its citizen's address included). */
  held?: Ticket;
  /** The request the user rated last, closed after `since`, still awaiting their comment. */
  awaitingComment?: number;
}

/**
 * Where user `userId` stands, in one statement: each part is a subquery on a unique index (one open request per
 * citizen, one active request per volunteer, one volunteer per user), returned as JSON.
 */
export async function involvementOf(db: Queryable, userId: number, since: Date): Promise<Involvement> {
  const [row] = await db.query<{
    open: TicketRow | null;
    open_holder: VolunteerRow | null;
    volunteer: VolunteerRow | null;
    held: TicketRow | null;
    awaiting_comment: string | null;
  }>(
    `select
       (select to_jsonb(o) from (select ${ticketColumns('t', 'u')} from tickets t join users u on u.id = t.citizen_id
                                  where t.citizen_id = $1 and t.status in ('draft', 'waiting', 'active')) o) as open,
       (select to_jsonb(h) from (select ${volunteerColumns('v', 'u')} from tickets t join volunteers v on v.id = t.volunteer_id
                                   join users u on u.id = v.user_id
                                  where t.citizen_id = $1 and t.status = 'active') h) as open_holder,
       (select to_jsonb(me) from (select ${volunteerColumns('v', 'u')} from volunteers v join users u on u.id = v.user_id
                                   where v.user_id = $1 and v.active) me) as volunteer,
       (select to_jsonb(held) from (select ${ticketColumns('t', 'u')} from volunteers v join tickets t on t.volunteer_id = v.id
                                      join users u on u.id = t.citizen_id
                                     where v.user_id = $1 and v.active and t.status = 'active') held) as held,
       (select t.id from tickets t where t.citizen_id = $1 and t.awaiting_comment and t.closed_at > $2
         order by t.closed_at desc limit 1) as awaiting_comment`,
    [userId, since],
  );
  const at: Involvement = {};
  if (row!.open) at.open = ticketFromRow(row!.open);
  if (row!.open_holder) at.openHolder = volunteerFromRow(row!.open_holder);
  if (row!.volunteer) at.volunteer = volunteerFromRow(row!.volunteer);
  if (row!.held) at.held = ticketFromRow(row!.held);
  if (row!.awaiting_comment !== null) at.awaitingComment = Number(row!.awaiting_comment);
  return at;
}
