import { fold } from '../text/normalize.ts';

/**
 * A time of day as citizens type it: "7h30", "7:30", "7 giờ 30", "19h", "8 giờ tối", "7h sáng", "20g".
 * Returns undefined when it is not one.
 */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const f = fold(text).replace(/\s+/g, ' ');
  const m =
    /^(?:luc )?(\d{1,2})\s*(?:h|g|gio|:| )\s*(\d{1,2})?\s*(?:phut)?\s*(sang|trua|chieu|toi|dem)?$/.exec(f) ??
    /^(?:luc )?(\d{1,2})(?:h|g)?(\d{2})?\s*(sang|trua|chieu|toi|dem)?$/.exec(f.replace(/ /g, ''));
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  const part = m[3];
  if ((part === 'chieu' || part === 'toi') && hour < 12) hour += 12;
  if (part === 'dem' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  return { hour, minute };
}

/** An hour and minute as the lessons' messages write them: "7h", "7h30", "19h05". */
export function formatTime(hour: number, minute: number): string {
  return `${hour}h${minute ? String(minute).padStart(2, '0') : ''}`;
}
