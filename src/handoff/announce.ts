/** Who hears of a request: the volunteers' group and the volunteers who are free. */
import type { Queryable } from '../db/index.ts';
import type { Push } from '../push/outbox.ts';
import { toVolunteer, type Desk, type HandoffSettings } from './desk.ts';
import { isOnDuty } from './duty.ts';
import { announcement } from './render.ts';
import { event, type Ticket } from './tickets.ts';
import { anyVolunteerOn, freeVolunteers } from './volunteers.ts';

/**
 * Where a request is announced: the volunteer group, and/or privately to every free active volunteer who can be
 * reached — privately only on duty (nobody's phone buzzes at night; the request waits in the queue and in the group).
 * The announcement is written down as an event; the pushes are returned for the caller to queue.
 */
export async function announcements(
  db: Queryable,
  settings: HandoffSettings,
  ticket: Ticket,
  again: boolean,
  now = new Date(),
): Promise<Push[]> {
  const message = announcement(ticket, again);
  const pushes: Push[] = [];
  if (settings.volunteerChatId) pushes.push({ channel: 'telegram', address: settings.volunteerChatId, reply: message });
  if ((settings.notifyPrivately || !settings.volunteerChatId) && isOnDuty(settings, now)) {
    for (const v of await freeVolunteers(db)) pushes.push(toVolunteer(v, message));
  }
  await event(db, ticket.id, again ? 'reannounced' : 'announced', null, `${pushes.length} recipients`);
  return pushes;
}

/**
 * Whether a request can reach anyone: the volunteer group, or an active volunteer on a channel that is on (on the
 * console: with their inbox open, see `CONSOLE_SEEN_MINUTES`).
 */
export async function deskReachable(desk: Desk): Promise<boolean> {
  if (desk.settings.volunteerChatId && desk.pushChannels.has('telegram')) return true;
  return anyVolunteerOn(desk.db, [...desk.pushChannels], desk.now());
}
