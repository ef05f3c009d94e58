import type { Queryable } from '../db/index.ts';
import { addDays, rangeOf, type DayRange } from './range.ts';

/**
 * Reading the console's daily rollup (written by rollup.ts): a report's range is cut where the rollup stands; the
 * rolled days are read from `report_counts`, the rest live by the page's own queries.
 *
 * @example
 * const { rolled, live } = await splitRange(db, range);
 * const counts = await rolledCounts(db, rolled, ['questions']); // plus askDays(db, live) when live is set
 */

/** What is counted per rolled day: the overview's figures and the guides page's asks and votes. */
export type Metric =
  | 'questions'
  | 'answered'
  | 'abstained'
  | 'active'
  | 'refused'
  | 'scam_warnings'
  | 'handed'
  | 'unmet'
  | 'subscriptions'
  | 'guide_asks'
  | 'guide_up'
  | 'guide_down';

export interface Count {
  /** YYYY-MM-DD */
  day: string;
  metric: Metric;
  /** What the count is split by: a channel (questions, answered, abstained), a guide id (guide_*), or ''. */
  key: string;
  n: number;
}

/** A range cut where the rollup stands: the days already rolled, and the days to read live. Either may be absent. */
export interface SplitRange {
  rolled?: DayRange;
  live?: DayRange;
}

/** The first day not rolled up yet, or undefined before the rollup's first run (then every day is read live). */
export async function nextUnrolledDay(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ next_day: string }>(`select to_char(next_day, 'YYYY-MM-DD') as next_day from report_rollup`);
  return row?.next_day;
}

/** Cuts `range` at the first day not rolled up. */
export async function splitRange(db: Queryable, range: DayRange): Promise<SplitRange> {
  const next = await nextUnrolledDay(db);
  if (!next || next <= range.from) return { live: range };
  if (next > range.to) return { rolled: range };
  return { rolled: rangeOf(range.from, addDays(next, -1)), live: rangeOf(next, range.to) };
}

/** The rolled counts of `metrics` over `range` (empty without a range). */
export async function rolledCounts(db: Queryable, range: DayRange | undefined, metrics: readonly Metric[]): Promise<Count[]> {
  if (!range) return [];
  return db.query<Count>(
    `select to_char(day, 'YYYY-MM-DD') as day, metric, key, n from report_counts
      where metric = any($1::text[]) and day >= $2::date and day <= $3::date`,
    [metrics, range.from, range.to],
  );
}
