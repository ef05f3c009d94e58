import { localDay } from '../time/vietnam.ts';

/**
 * A range of Vietnam days from the query string (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, both days included), as the
 * instants SQL filters `created_at` by: `start` is 00:00 of `from` in Vietnam, `end` 00:00 of the day after `to`.
 * Missing or malformed days fall back to the last 30 days (today included); a reversed range is swapped.
 */
export interface DayRange {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

const OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const validDay = (s: unknown): s is string =>
  typeof s === 'string' && DAY.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

/** 00:00 of a Vietnam day, as an instant. */
const startOf = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - OFFSET_MS);

export function dayRange(query: Record<string, unknown>, now: Date, defaultDays = 30): DayRange {
  const today = localDay(now);
  let to = validDay(query.to) ? query.to : today;
  let from = validDay(query.from) ? query.from : localDay(new Date(startOf(to).getTime() - (defaultDays - 1) * DAY_MS));
  if (from > to) [from, to] = [to, from];
  return { from, to, start: startOf(from), end: new Date(startOf(to).getTime() + DAY_MS) };
}
