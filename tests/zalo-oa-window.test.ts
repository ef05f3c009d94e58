import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { OA_WINDOW_DAYS, ZALO_OA_CHANNEL, ZaloOaChannel } from '../src/channels/zalo-oa/channel.ts';
import { OaClient } from '../src/channels/zalo-oa/client.ts';
import { deliverBatch, WINDOW_NOTE } from '../src/learn/delivery.ts';
import { enqueueDue, resumeIfPaused } from '../src/learn/subscriptions.ts';
import { localHour } from '../src/time/vietnam.ts';
import { startFakeOa, type FakeOa } from './fakes/zalo-oa.ts';
import { memoryApp } from './helpers/app.ts';

/**
 * Daily lessons over the Zalo OA with a simulated clock: 1,000 subscribers whose last message is 0.5 to 8.5 days old.
 * Lessons go out only inside Zalo's 7-day window (the fake refuses outside it with -230, as Zalo does), the last one
 * that can go carries the note on how to keep receiving them, and past the window the subscription pauses.
 */
const DAY = 86_400_000;
const N = 1000;

let app: App;
let fake: FakeOa;
let channel: ZaloOaChannel;
let now = new Date();
/** Each subscriber's last message, by OA user id. */
const lastSeen = new Map<string, number>();
beforeAll(async () => {
  app = await memoryApp();
  fake = await startFakeOa('oa-window-token', { lastInteraction: (id) => lastSeen.get(id), now: () => now.getTime() });
  const client = new OaClient({ accessToken: async () => 'oa-window-token', apiBase: fake.apiBase });
  channel = new ZaloOaChannel({ client, appId: '1', secretKey: 'k', conversation: app.conversation, db: app.db, log: app.log });
  const [course] = await app.db.query<{ id: string }>('select id from courses order by ord limit 1');
  for (let i = 0; i < N; i++) lastSeen.set(`oa-${i}`, now.getTime() - (0.5 + (i % 9)) * DAY);
  await app.db.query(
    `with u as (
       insert into users (channel, external_id, last_seen_at)
       select $1, 'oa-' || g, $2::timestamptz - make_interval(hours => 12 + 24 * (g % 9)) from generate_series(0, $3 - 1) g
       returning id)
     insert into subscriptions (user_id, course_id, hour, minute, next_due_at)
     select id, $4, $5, 0, $2::timestamptz - interval '1 minute' from u`,
    [ZALO_OA_CHANNEL, now, N, course!.id, localHour(now)],
  );
});
afterAll(async () => {
  await channel?.stop();
  await fake?.close();
  await app?.close();
});

/** The days since each subscriber's last message, now. */
const age = (id: string) => (now.getTime() - lastSeen.get(id)!) / DAY;
const windows = { [ZALO_OA_CHANNEL]: OA_WINDOW_DAYS };

async function deliverAll() {
  for (;;) {
    const r = await deliverBatch({ db: app.db, senders: { [ZALO_OA_CHANNEL]: channel.output }, log: app.log, batchSize: 250 }, now);
    if (r.sent + r.retried + r.failed === 0) return;
  }
}

describe('daily lessons inside the Zalo OA interaction window', () => {
  it('lessons only inside the window, the note once in the last one that can go, a pause past it, 0 sends refused', async () => {
    const notes = new Map<string, number>();
    const paused = new Set<string>();
    for (let day = 0; day < 2; day++) {
      const due = [...lastSeen.keys()].filter((id) => !paused.has(id));
      const inside = due.filter((id) => age(id) < OA_WINDOW_DAYS);
      const lastDay = inside.filter((id) => age(id) >= OA_WINDOW_DAYS - 1);
      const before = fake.sent.length;
      const r = await enqueueDue(app.db, now, undefined, windows);
      expect(r.enqueued, `day ${day}`).toBe(inside.length);
      expect(r.windowClosed, `day ${day}`).toBe(due.length - inside.length);
      for (const id of due) if (age(id) >= OA_WINDOW_DAYS) paused.add(id);
      await deliverAll();
      const sent = fake.sent.slice(before);
      expect(sent.length, `day ${day}`).toBe(inside.length);
      expect(new Set(sent.map((s) => s.userId))).toEqual(new Set(inside));
      for (const s of sent.filter((m) => m.message.text.includes(WINDOW_NOTE))) notes.set(s.userId, (notes.get(s.userId) ?? 0) + 1);
      expect(
        sent
          .filter((m) => m.message.text.includes(WINDOW_NOTE))
          .map((m) => m.userId)
          .sort(),
      ).toEqual(lastDay.sort());
      now = new Date(now.getTime() + DAY);
    }
    expect(fake.outside).toEqual([]); // not one send Zalo would refuse with -230
    expect([...notes.values()].every((n) => n === 1)).toBe(true);
    const [windowPaused] = await app.db.query<{ n: number }>(`select count(*)::int as n from subscriptions where paused = 'window'`);
    expect(windowPaused!.n).toBe(paused.size);

    // a paused citizen writes again: the window is open, the lessons resume at their hour
    const [one] = await app.db.query<{ user_id: number }>(`select user_id from subscriptions where paused = 'window' limit 1`);
    expect(await resumeIfPaused(app.db, Number(one!.user_id), now)).toBe(true);
    const [row] = await app.db.query<{ paused: string | null }>('select paused from subscriptions where user_id = $1', [one!.user_id]);
    expect(row!.paused).toBeNull();
  });
});
