/**
 * The Vietnam clock (Asia/Ho_Chi_Minh), for every slice that speaks of local hours and days: lessons at the hour a
 * citizen chose, quiet hours, learning streaks, volunteers' on-duty hours. Vietnam has no daylight saving time, so
 * local time is UTC+7 all year.
 */

/** The IANA name of Vietnam's time zone, for SQL (`at time zone`) and `Intl`. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const OFFSET_MS = 7 * 3600_000;

/** The hour (0–23) of an instant in Vietnam. */
export function localHour(at: Date): number {
  return new Date(at.getTime() + OFFSET_MS).getUTCHours();
}

/** The day (YYYY-MM-DD) of an instant in Vietnam. */
export function localDay(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The next instant after `now` when it is hour:minute in Vietnam. */
export function nextLocalTime(now: Date, hour: number, minute: number): Date {
  const local = new Date(now.getTime() + OFFSET_MS);
  const candidate = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hour, minute) - OFFSET_MS;
  return new Date(candidate > now.getTime() ? candidate : candidate + 86_400_000);
}
