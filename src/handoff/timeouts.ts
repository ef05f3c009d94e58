import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { enqueuePush } from '../push/outbox.ts';
import type { PeriodicTask } from '../push/workers.ts';
import { announcements } from './announce.ts';
import { DRAFT_MINUTES, toCitizen, type HandoffSettings } from './desk.ts';
import { dutyStartedAt, isOnDuty } from './duty.ts';
import { nobodyCame } from './render.ts';
import { dropDrafts, event, getTicket, markWaitingDue } from './tickets.ts';

export interface SweepResult {
  reannounced: number;
  told: number;
  draftsDropped: number;
}

/**
 * Nobody left waiting silently: a request unclaimed for `reannounceMinutes` is announced again; after
 * `giveUpMinutes` the citizen is told honestly and given the hotline and in-person options (the request stays in the
 * queue). Both clocks count on-duty time only: a request made at night is re-announced N minutes after duty starts.
 * Each step is a conditional UPDATE, so several processes sweeping at once act once. Drafts never finished are
 * dropped. Computed from the database and `now` alone (tests pass a clock).
 */
export async function sweepTickets(db: Db, settings: HandoffSettings, now: Date): Promise<SweepResult> {
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const result: SweepResult = { reannounced: 0, told: 0, draftsDropped: 0 };
  result.draftsDropped = await dropDrafts(db, minutesAgo(DRAFT_MINUTES), now);
  // Off duty nobody is expected to answer (the citizen was told when to expect one): the clocks run on duty time only.
  if (!isOnDuty(settings, now)) return result;
  const dutyStart = dutyStartedAt(settings, now);

  // the mark and its messages in one transaction: a crash never marks a request without telling anyone
  await db.transaction(async (tx) => {
    for (const id of await markWaitingDue(tx, 'reannounced_at', minutesAgo(settings.reannounceMinutes), dutyStart, now)) {
      await enqueuePush(tx, ...(await announcements(tx, settings, (await getTicket(tx, id))!, true, now)));
      result.reannounced++;
    }
  });
  await db.transaction(async (tx) => {
    for (const id of await markWaitingDue(tx, 'gave_up_notice_at', minutesAgo(settings.giveUpMinutes), dutyStart, now)) {
      const ticket = (await getTicket(tx, id))!;
      await enqueuePush(tx, toCitizen(ticket, nobodyCame(ticket, settings.giveUpMinutes)));
      await event(tx, ticket.id, 'gave-up-notice');
      result.told++;
    }
  });
  return result;
}

export const TICKET_SWEEP_TASK = 'ticket-sweep';

/** The sweeper as a background task (safe in every process); `kick` sends what it queued at once. */
export function ticketSweepTask(options: {
  db: Db;
  settings: HandoffSettings;
  log: Logger;
  kick: () => void;
  everyMs?: number;
}): PeriodicTask {
  return {
    name: TICKET_SWEEP_TASK,
    everyMs: options.everyMs ?? 30_000,
    async run() {
      const r = await sweepTickets(options.db, options.settings, new Date());
      if (r.reannounced + r.told === 0) return;
      options.log.info(r, 'handoff: waiting requests re-announced / citizens told');
      options.kick();
    },
  };
}
