import { fold } from '../text/normalize.ts';
import { TIME_ZONE } from './store.ts';

/** Vietnam has no daylight saving time: local = UTC+7 all year. */
const OFFSET_MS = 7 * 3600_000;

/**
 * A time of day as citizens type it: "7h30", "7:30", "7 giờ 30", "19h", "8 giờ tối", "7h sáng", "20g".
 * Returns undefined when it is not one.
 */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const f = fold(text).replace(/\s+/g, ' ');
  const m = /^(?:luc )?(\d{1,2})\s*(?:h|g|gio|:| )\s*(\d{1,2})?\s*(?:phut)?\s*(sang|trua|chieu|toi|dem)?$/.exec(f)
    ?? /^(?:luc )?(\d{1,2})(?:h|g)?(\d{2})?\s*(sang|trua|chieu|toi|dem)?$/.exec(f.replace(/ /g, ''));
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  const part = m[3];
  if ((part === 'chieu' || part === 'toi') && hour < 12) hour += 12;
  if (part === 'dem' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

/** The next instant after `now` when it is hour:minute in Vietnam. */
export function nextLocalTime(now: Date, hour: number, minute: number): Date {
  const local = new Date(now.getTime() + OFFSET_MS);
  const candidate = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hour, minute) - OFFSET_MS;
  return new Date(candidate > now.getTime() ? candidate : candidate + 86_400_000);
}

/** YYYY-MM-DD of an instant in Vietnam. */
export function localDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The hour (0–23) of an instant in Vietnam. */
export function localHour(at: Date): number {
  return new Date(at.getTime() + OFFSET_MS).getUTCHours();
}

export function formatTime(hour: number, minute: number): string {
  return `${hour}h${minute ? String(minute).padStart(2, '0') : ''}`;
}

export { TIME_ZONE };
