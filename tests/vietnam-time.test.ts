import { describe, expect, it } from 'vitest';
import { localDay, localHour, nextLocalTime, TIME_ZONE } from '../src/time/vietnam.ts';

const at = (iso: string) => new Date(iso);

describe('the Vietnam clock', () => {
  it('turns an instant into the local hour and day (UTC+7)', () => {
    expect(localHour(at('2026-11-23T16:59:59Z'))).toBe(23);
    expect(localDay(at('2026-11-23T16:59:59Z'))).toBe('2026-11-23');
    expect(localHour(at('2026-11-23T17:00:00Z'))).toBe(0);
    expect(localDay(at('2026-11-23T17:00:00Z'))).toBe('2026-11-24');
    expect(localDay(at('2026-12-31T18:30:00Z'))).toBe('2027-01-01');
  });

  it('agrees with the time-zone database every hour of a year', () => {
    const intl = new Intl.DateTimeFormat('en-CA', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3600_000 + 61_000) {
      const parts = Object.fromEntries(intl.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
      expect(`${localDay(new Date(t))} ${localHour(new Date(t))}`).toBe(`${parts.year}-${parts.month}-${parts.day} ${Number(parts.hour)}`);
    }
  });

  it('finds the next instant of a local hour, later today or tomorrow', () => {
    // 06:00 in Vietnam is 23:00 UTC the day before
    expect(nextLocalTime(at('2026-11-22T23:00:00Z'), 7, 30).toISOString()).toBe('2026-11-23T00:30:00.000Z');
    expect(nextLocalTime(at('2026-11-23T00:30:00Z'), 7, 30).toISOString()).toBe('2026-11-24T00:30:00.000Z');
    expect(nextLocalTime(at('2026-11-23T16:59:00Z'), 0, 0).toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });
});
