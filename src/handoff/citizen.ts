/**
 * What a citizen does at the desk: asks for a volunteer and gives the problem in one line (or sends the question
 * they last asked), cancels, and after the volunteer closes the request rates it and comments.
 */
import type { Turn } from '../core/feature.ts';
import type { Reply } from '../core/message.ts';
import { redact } from '../text/redact.ts';
import { announcements, deskReachable } from './announce.ts';
import { forgottenBefore, type Desk } from './desk.ts';
import { isOnDuty } from './duty.ts';
import * as say from './render.ts';
import {
  commentTicket,
  createDraft,
  event,
  lastQuestion,
  moveTicket,
  openTicketOf,
  queuePosition,
  queueTicket,
  rateTicket,
  skipComment,
  typicalWaitMinutes,
  type Ticket,
} from './tickets.ts';

/**
 * `/tinhnguyenvien [problem]`, the "ask a volunteer" button and the phrases: with the problem given, the request is
 * queued at once; without, a draft asks for it. Honest at once: no request is taken that nobody could ever see.
 */
export async function openRequest(desk: Desk, turn: Turn): Promise<Reply[]> {
  if (!desk.pushChannels.has(turn.user.channel) || !(await deskReachable(desk))) {
    await recordUnmet(desk, turn);
    return [say.NO_ONLINE_HELP];
  }
  const current = await openTicketOf(desk.db, turn.user.id);
  if (current?.status === 'waiting') return [say.alreadyWaiting(current, await queuePosition(desk.db, current))];
  const inline = turn.command?.args;
  if (inline) return queueRequest(desk, turn.user.id, inline);
  if (current?.status !== 'draft') await createDraft(desk.db, turn.user.id, desk.now());
  return [say.ASK_PROBLEM(await lastQuestion(desk.db, turn.user.id))];
}

/** A double tap, or asking again soon after, is the same unmet request. */
const UNMET_REPEAT_MINUTES = 10;

/**
 * Nobody could take the request: no ticket is opened (nobody would ever see it), but the request is written down in
 * `handoff_unmet` with the problem given or the citizen's last question (redacted), so `handoff stats` shows the
 * demand. Once per citizen per {@link UNMET_REPEAT_MINUTES}.
 */
async function recordUnmet(desk: Desk, turn: Turn): Promise<void> {
  const inline = turn.command?.args?.trim();
  const problem = inline ? redact(inline).text : await lastQuestion(desk.db, turn.user.id);
  await desk.db.query(
    `insert into handoff_unmet (citizen_id, channel, problem, created_at)
     select $1, $2, $3, $4
      where not exists (select 1 from handoff_unmet where citizen_id = $1 and created_at > $4::timestamptz - $5 * interval '1 minute')`,
    [turn.user.id, turn.user.channel, problem === undefined ? null : say.clip(problem, 300), desk.now(), UNMET_REPEAT_MINUTES],
  );
}

/** Whether `ticket` is a draft still waiting for its problem line (drafts are forgotten after a while). */
export const awaitsProblemLine = (desk: Desk, ticket: Ticket | undefined): ticket is Ticket =>
  ticket?.status === 'draft' && ticket.createdAt > forgottenBefore(desk.now());

/** Queues the citizen's request with its problem line (redacted, clipped), announces it and says what to expect. */
export async function queueRequest(desk: Desk, citizenId: number, problem: string): Promise<Reply[]> {
  const { db, settings } = desk;
  const ticket = await queueTicket(db, citizenId, say.clip(redact(problem.trim()).text, 300), desk.now());
  // (were the process to stop right here, the sweeper re-announces it: nothing waits unseen)
  await desk.push(...(await announcements(db, settings, ticket, false, desk.now())));
  const onDuty = isOnDuty(settings, desk.now());
  const wait = (await typicalWaitMinutes(db)) ?? settings.expectedMinutes;
  return [say.queuedConfirmation(ticket, await queuePosition(db, ticket), onDuty, settings.dutyHours, wait)];
}

/** The "send the question I just asked" button: it becomes the problem line of the draft (else the request starts over). */
export async function sendLastQuestion(desk: Desk, turn: Turn): Promise<Reply[]> {
  const current = await openTicketOf(desk.db, turn.user.id);
  const last = await lastQuestion(desk.db, turn.user.id);
  if (current?.status !== 'draft' || !last) return openRequest(desk, turn);
  return queueRequest(desk, turn.user.id, last);
}

/** The "never mind" button: cancels the citizen's open request, if any. */
export async function cancelRequest(desk: Desk, turn: Turn): Promise<Reply[]> {
  return cancelTicket(desk, await openTicketOf(desk.db, turn.user.id));
}

/** Cancels a draft or waiting request (`/huy`); an active one is not the citizen's to cancel: the volunteer closes it. */
export async function cancelTicket(desk: Desk, current: Ticket | undefined): Promise<Reply[]> {
  if (!current || current.status === 'active') return [say.NOTHING_TO_CANCEL];
  if (await moveTicket(desk.db, current.id, { from: ['draft', 'waiting'], to: 'cancelled', now: desk.now() })) {
    await event(desk.db, current.id, 'cancelled');
  }
  return [say.CANCELLED];
}

/**
 * A rating button under a closed request: counted only for the request's own citizen, once (checked in the UPDATE);
 * then a comment is invited. `skip` declines the comment.
 */
export async function rate(desk: Desk, turn: Turn, ticketId: number, stars: string): Promise<Reply[]> {
  if (stars === 'skip') {
    await skipComment(desk.db, turn.user.id, forgottenBefore(desk.now()));
    return [say.THANKS];
  }
  return (await rateTicket(desk.db, ticketId, turn.user.id, Number(stars))) ? [say.ASK_COMMENT] : [say.THANKS];
}

/** The citizen's words after rating: their comment on request `ticketId` (redacted, at most 1000 characters). */
export async function comment(desk: Desk, ticketId: number, text: string): Promise<Reply[]> {
  await commentTicket(desk.db, ticketId, redact(text).text.slice(0, 1000));
  return [say.THANKS];
}
