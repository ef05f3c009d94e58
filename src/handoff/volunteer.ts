/**
 * What a volunteer does at the desk: joins with an invite, lists the queue, claims a request, and for the request
 * they hold closes it, gives it back or transfers it, and saves an answer for the guides (`/luu`). Every action checks,
 * server-side, that the sender is an active volunteer and, for the held request, that they hold it; the state changes
 * are conditional on that too (see `moveTicket`).
 */
import type { Turn } from '../core/feature.ts';
import type { Reply } from '../core/message.ts';
import type { Queryable } from '../db/index.ts';
import { enqueuePush } from '../push/outbox.ts';
import { redact } from '../text/redact.ts';
import { announcements } from './announce.ts';
import { involvement, toCitizen, toVolunteer, type Desk } from './desk.ts';
import * as say from './render.ts';
import {
  addGuideSuggestion,
  claimTicket,
  event,
  getTicket,
  heldBy,
  lastServedBy,
  lastVolunteerMessage,
  moveTicket,
  recentConversation,
  waitingTickets,
  type Ticket,
} from './tickets.ts';
import { CONSOLE_CHANNEL, findVolunteer, INVITE_PATTERN, listVolunteers, redeemInvite, volunteerOf, type Volunteer } from './volunteers.ts';

/** How many waiting requests `/yeucau` shows. */
const LISTED = 8;

/**
 * `/thamgia <code>`: an invite makes the sender a volunteer, on a channel that can push (Telegram or Zalo). Console
 * accounts become volunteers through the console, never with a code.
 */
export async function join(desk: Desk, turn: Turn): Promise<Reply[]> {
  const code = INVITE_PATTERN.exec(turn.command?.args ?? '')?.[0];
  if (!code) return [say.JOIN_HOW];
  if (!desk.pushChannels.has(turn.user.channel) || ['web', CONSOLE_CHANNEL].includes(turn.user.channel)) return [say.JOIN_CHANNELS];
  const v = await redeemInvite(desk.db, code, turn.user.id, desk.now());
  return [v ? say.welcome(v.name) : say.INVITE_REFUSED];
}

/** The volunteer sending this turn, or the refusal to send back. */
async function asVolunteer(desk: Desk, turn: Turn): Promise<Volunteer | Reply[]> {
  return (await volunteerOf(desk.db, turn.user.id)) ?? [say.NOT_A_VOLUNTEER];
}

/** `/yeucau`: the requests waiting, each as its announcement (with its claim button). */
export async function listWaiting(desk: Desk, turn: Turn): Promise<Reply[]> {
  const v = await asVolunteer(desk, turn);
  if (Array.isArray(v)) return v;
  const waiting = await waitingTickets(desk.db, LISTED);
  return waiting.length ? waiting.map((t) => say.announcement(t)) : [say.QUEUE_EMPTY];
}

/** `/nhan <number>`. */
export async function claimCommand(desk: Desk, turn: Turn): Promise<Reply[]> {
  const id = Number(turn.command?.args);
  return Number.isInteger(id) && id > 0 ? claim(desk, turn, id) : [say.CLAIM_HOW];
}

/**
 * The sender takes waiting request `ticketId` (the command, or the button wherever it was shown): only an active
 * volunteer, holding no other request; of two claiming at once, one wins (see `claimTicket`).
 */
export async function claim(desk: Desk, turn: Turn, ticketId: number): Promise<Reply[]> {
  const v = await asVolunteer(desk, turn);
  if (Array.isArray(v)) return v;
  const result = await claimTicket(desk.db, ticketId, v.id, desk.now(), (tx, ticket) => handOver(tx, ticket, v));
  desk.kick();
  if (result.ok) return [say.claimed(ticketId, v.name)];
  if (result.reason === 'taken') return [say.alreadyTaken(ticketId, result.holder)];
  if (result.reason === 'busy') return [say.stillHolding(result.held)];
  return [say.noLongerWaiting(ticketId)];
}

/** The volunteer now holding `ticket` gets the context; the citizen learns who is helping. */
async function handOver(tx: Queryable, ticket: Ticket, v: Volunteer, transferred = false): Promise<void> {
  const recent = await recentConversation(tx, ticket.citizenId);
  await enqueuePush(
    tx,
    toVolunteer(v, say.handoverNote(ticket, recent)),
    toCitizen(ticket, transferred ? say.transferredTo(ticket, v.name) : say.volunteerJoined(ticket, v.name)),
  );
}

type HeldAction = (desk: Desk, v: Volunteer, held: Ticket, turn: Turn) => Promise<Reply[]>;

/** A command about the request the sender holds: run only for an active volunteer holding one (one lookup). */
const holding =
  (action: HeldAction) =>
  async (desk: Desk, turn: Turn): Promise<Reply[]> => {
    const { volunteer, held } = await involvement(desk, turn.user.id);
    if (!volunteer) return [say.NOT_A_VOLUNTEER];
    if (!held) return [say.NOT_HOLDING];
    return action(desk, volunteer, held, turn);
  };

/** `/xong`: the request is closed and its citizen asked to rate it; the bot answers them again. */
export const close = holding(async (desk, v, t) => {
  const closed = await desk.atomically(async (tx) => {
    if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'closed', now: desk.now(), heldBy: v.id }))) return false;
    await event(tx, t.id, 'closed', v.id);
    await enqueuePush(tx, toCitizen(t, say.rateRequest(t, v.name)));
    return true;
  });
  return [closed ? say.closed(t.id, v.name) : say.closeChanged(t.id)];
});

/** `/tra`: the request goes back to the queue, announced again; its citizen is told. */
export const giveBack = holding(async (desk, v, t) => {
  const back = await desk.atomically(async (tx) => {
    const now = desk.now();
    if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'waiting', volunteerId: null, now, heldBy: v.id }))) return false;
    await event(tx, t.id, 'returned', v.id);
    const queued = (await getTicket(tx, t.id))!;
    await enqueuePush(tx, toCitizen(queued, say.returnedToQueue(queued)), ...(await announcements(tx, desk.settings, queued, true, now)));
    return true;
  });
  return [say.givenBack(t.id, back)];
});

/** `/chuyen <name or number>`: hands the request to another active volunteer who holds none, with the context. */
export const transfer = holding(async (desk, v, t, turn) => {
  const key = turn.command?.args;
  if (!key) return [say.transferWho((await listVolunteers(desk.db, { activeOnly: true })).filter((o) => o.id !== v.id))];
  const to = await findVolunteer(desk.db, key);
  if (!to || to.id === v.id) return [say.noSuchVolunteer(key)];
  if (await heldBy(desk.db, to.id)) return [say.busyElsewhere(to.name)];
  const moved = await desk
    .atomically(async (tx) => {
      if (!(await moveTicket(tx, t.id, { from: ['active'], to: 'active', volunteerId: to.id, now: desk.now(), heldBy: v.id })))
        return false;
      await event(tx, t.id, 'transferred', v.id, String(to.id));
      await handOver(tx, (await getTicket(tx, t.id))!, to, true);
      return true;
    })
    .catch((err: { code?: string }) => (err.code === '23505' ? false : Promise.reject(err))); // `to` took one meanwhile
  return [moved ? say.transferred(t.id, to.name) : say.transferFailed(t.id)];
});

/**
 * `/luu [answer]`: the answer given (or the volunteer's last message) to the request they hold or closed last is
 * kept, redacted, as a suggestion for the guides' editors.
 */
export async function saveAnswer(desk: Desk, turn: Turn): Promise<Reply[]> {
  const v = await asVolunteer(desk, turn);
  if (Array.isArray(v)) return v;
  const t = await lastServedBy(desk.db, v.id);
  if (!t) return [say.NOTHING_TO_SAVE];
  const answer = turn.command?.args || (await lastVolunteerMessage(desk.db, t.id));
  if (!answer) return [say.SAVE_HOW];
  await addGuideSuggestion(desk.db, { ticketId: t.id, volunteerId: v.id, question: t.problem, answer: redact(answer).text });
  return [say.saved(t.problem)];
}
