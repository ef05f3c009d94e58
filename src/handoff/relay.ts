/**
 * The interception: while a volunteer holds a citizen's request, what either of them writes goes to the other
 * through the bot (redacted and stored), and the bot says nothing; a photo from the citizen is withheld. The same
 * one lookup also finds the citizen's own answers to the desk's questions: the problem line of a draft, `/huy`,
 * the comment after a rating.
 */
import type { Turn } from '../core/feature.ts';
import type { Reply } from '../core/message.ts';
import { enqueuePush, type Push } from '../push/outbox.ts';
import { redact } from '../text/redact.ts';
import { awaitsProblemLine, cancelTicket, comment, queueRequest } from './citizen.ts';
import { involvement, toCitizen, toVolunteer, type Desk } from './desk.ts';
import * as say from './render.ts';
import { addTicketMessage, type Ticket } from './tickets.ts';
import type { Volunteer } from './volunteers.ts';

/**
 * Takes a message that belongs to a person, not to the bot; `undefined` lets the core route it. One handoff
 * statement ({@link involvement}) decides, whoever sends it; only a relayed message adds its own writes.
 */
export async function intercept(desk: Desk, turn: Turn): Promise<Reply[] | undefined> {
  const { user, inbound, text } = turn;
  const at = await involvement(desk, user.id);
  if (at.open?.status === 'active') return fromCitizen(desk, turn, at.open, at.openHolder);
  if (at.open && turn.command?.name === 'huy' && !turn.command.args) return cancelTicket(desk, at.open);
  // Plain words in a private chat. Any text starting with "/" is left out, a command or not: a mistyped `/xong.`
  // (which turn.command does not parse) is never relayed to the citizen, nor taken as a problem line.
  const words = inbound.kind === 'text' && text !== '' && !text.startsWith('/') && !inbound.choice && !inbound.inGroup;
  // A "1" under the desk's own question ("Thôi, không cần", "Không, cảm ơn") is that choice (the core already
  // matched it: turn.choice), which the core then routes, not a problem line or a comment. A volunteer's words are
  // relayed either way.
  const freeText = words && !turn.choice;
  if (freeText && awaitsProblemLine(desk, at.open)) return queueRequest(desk, user.id, text);
  if (words && at.volunteer && at.held) return fromVolunteer(desk, text, at.volunteer, at.held);
  if (freeText && at.awaitingComment !== undefined) return comment(desk, at.awaitingComment, text);
  return undefined;
}

/** The citizen of an active request writes: text goes to the volunteer holding it; a photo or file never does. */
async function fromCitizen(desk: Desk, turn: Turn, ticket: Ticket, holder: Volunteer | undefined): Promise<Reply[] | undefined> {
  const { inbound, text } = turn;
  if (inbound.kind === 'media' || inbound.kind === 'other') {
    if (holder) await desk.push(toVolunteer(holder, say.photoWithheld(ticket)));
    return [say.PHOTO_REFUSED];
  }
  if (inbound.kind === 'choice' || !text || !holder || inbound.inGroup) return undefined;
  const redacted = redact(text).text;
  await relay(desk, ticket.id, 'citizen', redacted, null, toVolunteer(holder, say.fromCitizen(ticket, redacted)));
  return [];
}

/** The volunteer holding a request writes: it goes to the citizen, signed with the volunteer's name. */
async function fromVolunteer(desk: Desk, text: string, volunteer: Volunteer, held: Ticket): Promise<Reply[]> {
  await relay(desk, held.id, 'volunteer', redact(text).text, volunteer.id, toCitizen(held, say.fromVolunteer(volunteer.name, text)));
  return [];
}

/** Stores a relayed message and queues it for the other side, in one transaction. */
function relay(desk: Desk, ticketId: number, from: 'citizen' | 'volunteer', stored: string, volunteerId: number | null, out: Push) {
  return desk.atomically(async (tx) => {
    await addTicketMessage(tx, ticketId, from, stored, volunteerId, desk.now());
    await enqueuePush(tx, out);
  });
}
