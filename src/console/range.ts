import type { FastifyRequest } from 'fastify';
import { localDay } from '../time/vietnam.ts';
import { html } from './html.ts';

/** A range of Vietnam days for a report: `from` and `to` inclusive, as instants `[start, end)` for SQL. */
export interface DayRange {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** The longest range a report reads (a year and a day): bounds the work of one page. */
export const MAX_DAYS = 366;

/** The instant a Vietnam day starts. */
export const dayStart = (day: string) => new Date(`${day}T00:00:00+07:00`);

/** `day` moved by `n` days. */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** A real calendar day written YYYY-MM-DD (2026-02-31 is not: JavaScript would read it as 3 March). */
const valid = (s: unknown): s is string => {
  if (typeof s !== 'string' || !DAY.test(s)) return false;
  const at = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === s;
};

/**
 * The range `?from=YYYY-MM-DD&to=YYYY-MM-DD` asks for; missing or malformed parts fall back to the last 30 Vietnam days
 * ending today, a reversed range is swapped, and a range longer than {@link MAX_DAYS} is cut to end at `to`.
 */
export function dayRange(query: unknown, now: Date): DayRange {
  const q = (query ?? {}) as Record<string, unknown>;
  let to = valid(q.to) ? q.to : localDay(now);
  let from = valid(q.from) ? q.from : addDays(to, -29);
  if (from > to) [from, to] = [to, from];
  if (dayStart(to).getTime() - dayStart(from).getTime() >= MAX_DAYS * DAY_MS) from = addDays(to, -(MAX_DAYS - 1));
  return rangeOf(from, to);
}

/** The range of Vietnam days `from` to `to` (YYYY-MM-DD, both included; `from` ≤ `to`). */
export const rangeOf = (from: string, to: string): DayRange => ({ from, to, start: dayStart(from), end: dayStart(addDays(to, 1)) });

/** Every day of the range, in order (the labels of a daily chart). */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The from/to form at the top of a report. */
export const rangeForm = (req: FastifyRequest, range: DayRange) =>
  html`<form class="card" method="get" action="${req.url.split('?')[0]}">
    <label for="from">Từ ngày</label><input id="from" type="date" name="from" value="${range.from}" /> <label for="to">Đến ngày</label
    ><input id="to" type="date" name="to" value="${range.to}" />
    <button type="submit">Xem</button>
    <span class="note">Ngày theo giờ Việt Nam.</span>
  </form>`;
