import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { PeriodicTask } from '../push/workers.ts';
import { localDay, TIME_ZONE } from '../time/vietnam.ts';
import { guideAsks, guideVotes } from './guides-queries.ts';
import { askDays, messageDays, NOT_VOLUNTEER, peopleDays } from './overview-queries.ts';
import { addDays, rangeOf } from './range.ts';
import { nextUnrolledDay, type Count } from './rolled.ts';

/**
 * The console's daily rollup. A Vietnam day that is over no longer changes, so its counts for the overview and the
 * guides page are computed once — by the same queries the pages run live, over that one day — and kept in
 * `report_counts` (with who wrote that day in `report_active`). A page then reads the rolled days from there and only
 * the days since (normally just today) from the big tables: a year's overview reads a few thousand rows, not every
 * message. Days roll in order; `report_rollup.next_day` is the first day not rolled, so a range splits at one day.
 * Reading it: rolled.ts.
 */

/** A day is rolled once it has been over for this long (a transaction begun before midnight has committed). */
const SETTLE_MS = 10 * 60_000;

/** Every count of one day, read live (the same queries as the pages). */
async function countsOf(db: Queryable, day: string): Promise<Omit<Count, 'day'>[]> {
  const r = rangeOf(day, day);
  const out: Omit<Count, 'day'>[] = [];
  for (const a of await askDays(db, r))
    out.push(
      { metric: 'questions', key: a.channel, n: a.questions },
      { metric: 'answered', key: a.channel, n: a.answered },
      { metric: 'abstained', key: a.channel, n: a.abstained },
    );
  for (const m of await messageDays(db, r))
    out.push(
      { metric: 'active', key: '', n: m.active },
      { metric: 'refused', key: '', n: m.refused },
      { metric: 'scam_warnings', key: '', n: m.scam_warnings },
    );
  for (const p of await peopleDays(db, r))
    out.push(
      { metric: 'handed', key: '', n: p.handed },
      { metric: 'unmet', key: '', n: p.unmet },
      { metric: 'subscriptions', key: '', n: p.subscriptions },
    );
  for (const g of await guideAsks(db, r)) out.push({ metric: 'guide_asks', key: g.guide, n: g.n });
  for (const v of await guideVotes(db, r))
    out.push({ metric: 'guide_up', key: v.guide, n: v.up }, { metric: 'guide_down', key: v.guide, n: v.down });
  return out.filter((c) => c.n > 0);
}

/** The Vietnam day of the oldest row any report reads (each a min over a created_at index), or undefined. */
async function firstDataDay(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ day: string | null }>(
    `select to_char((least((select min(created_at) from messages), (select min(created_at) from asks),
                            (select min(queued_at) from tickets), (select min(created_at) from handoff_unmet),
                            (select min(created_at) from subscriptions), (select min(created_at) from feedback))
                     at time zone '${TIME_ZONE}')::date, 'YYYY-MM-DD') as day`,
  );
  return row?.day ?? undefined;
}

/**
 * Rolls up every day that is over and not rolled yet, oldest first, one transaction per day (the state row locked, so
 * processes sharing a database never roll a day twice). Reads and writes the database only. Returns the days rolled.
 */
export async function rollUp(db: Db, now = new Date(), stopping: () => boolean = () => false): Promise<number> {
  const lastOver = addDays(localDay(new Date(now.getTime() - SETTLE_MS)), -1);
  const today = localDay(now);
  if ((await nextUnrolledDay(db)) === undefined) {
    const first = (await firstDataDay(db)) ?? today;
    await db.query('insert into report_rollup (next_day) values ($1::date) on conflict do nothing', [first < today ? first : today]);
  }
  let rolled = 0;
  while (!stopping()) {
    const done = await db.transaction(async (tx) => {
      const [state] = await tx.query<{ day: string }>(`select to_char(next_day, 'YYYY-MM-DD') as day from report_rollup for update`);
      const day = state!.day;
      if (day > lastOver) return false;
      const counts = await countsOf(tx, day);
      await tx.query('delete from report_counts where day = $1::date', [day]);
      await tx.query(
        `insert into report_counts (day, metric, key, n)
         select $1::date, m, k, n from unnest($2::text[], $3::text[], $4::int[]) as c(m, k, n)`,
        [day, counts.map((c) => c.metric), counts.map((c) => c.key), counts.map((c) => c.n)],
      );
      const r = rangeOf(day, day);
      await tx.query('delete from report_active where day = $1::date', [day]);
      await tx.query(
        `insert into report_active (day, user_id)
         select distinct $1::date, user_id from messages
          where direction = 'in' and created_at >= $2 and created_at < $3 and ${NOT_VOLUNTEER}`,
        [day, r.start, r.end],
      );
      await tx.query(`update report_rollup set next_day = next_day + 1`);
      return true;
    });
    if (!done) break;
    rolled++;
  }
  return rolled;
}

export const ROLLUP_TASK = 'rollup';

/** The rollup as a background task: every 10 minutes (by default) it rolls the days that ended since. */
export function rollupTask(options: { db: Db; log: Logger; everyMs?: number }): PeriodicTask {
  return {
    name: ROLLUP_TASK,
    everyMs: options.everyMs ?? 10 * 60_000,
    async run(stopping) {
      const days = await rollUp(options.db, new Date(), stopping);
      if (days) options.log.info({ days }, 'console: report days rolled up');
    },
  };
}
