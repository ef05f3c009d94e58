/** Volunteers' duty hours, on the Vietnam clock (the one module of handoff that reads it). */
import { localHour, nextLocalTime } from '../time/vietnam.ts';
import type { HandoffSettings } from './desk.ts';

type Duty = Pick<HandoffSettings, 'dutyHours'>;

/** Whether volunteers are on duty at `at` (local hours [start, end); start > end wraps midnight; 0-24 is always). */
export function isOnDuty(settings: Duty, at: Date): boolean {
  const [start, end] = settings.dutyHours;
  if (allDay(settings)) return true;
  const h = localHour(at);
  return start <= end ? h >= start && h < end : h >= start || h < end;
}

/** A duty window of the whole day (0-24, or 7-7). */
export const allDay = (settings: Duty) => (settings.dutyHours[1] - settings.dutyHours[0] + 24) % 24 === 0;

/**
 * When the duty window `now` falls in began (the epoch for all-day duty): the clocks of a waiting request run from
 * there. Only meaningful on duty.
 */
export function dutyStartedAt(settings: Duty, now: Date): Date {
  if (allDay(settings)) return new Date(0);
  return new Date(nextLocalTime(now, settings.dutyHours[0], 0).getTime() - 86_400_000);
}
