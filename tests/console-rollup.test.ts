import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { guideFigures } from '../src/console/guides-queries.ts';
import { overview } from '../src/console/overview.ts';
import { addDays, rangeOf } from '../src/console/range.ts';
import { nextUnrolledDay, splitRange } from '../src/console/rolled.ts';
import { rollUp } from '../src/console/rollup.ts';
import { runRetention } from '../src/console/retention.ts';
import { localDay } from '../src/time/vietnam.ts';
import { memoryApp } from './helpers/app.ts';

/** The daily rollup: a report over rolled days says exactly what it said when read live. */
let app: App;
const now = new Date();
const today = localDay(now);
/** Noon (Vietnam) `n` days ago, as an instant. */
const daysAgo = (n: number) => new Date(`${addDays(today, -n)}T12:00:00+07:00`);

beforeAll(async () => {
  app = await memoryApp();
  const db = app.db;
  const guides = (await db.query<{ id: string }>(`select id from guides where kind = 'guide' order by id limit 2`)).map((g) => g.id);
  const users: number[] = [];
  for (const [i, channel] of ['telegram', 'zalo', 'web', 'telegram'].entries()) {
    const [u] = await db.query<{ id: string }>(`insert into users (channel, external_id) values ($1, $2) returning id`, [
      channel,
      `rollup-${i}`,
    ]);
    users.push(Number(u!.id));
  }
  // four days: three that are over, and today; the same citizen on several days
  for (const [d, who] of [
    [3, [0, 1]],
    [2, [0, 2, 3]],
    [1, [1]],
    [0, [0, 3]],
  ] as const) {
    for (const u of who) {
      const at = daysAgo(d);
      await db.query(`insert into messages (user_id, direction, text, created_at) values ($1, 'in', 'hỏi', $2), ($1, 'out', 'đáp', $2)`, [
        users[u],
        at,
      ]);
      const [ask] = await db.query<{ id: string }>(
        `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms, created_at)
         values ($1, 'hỏi', $2, 0.9, $3, 1, $4) returning id`,
        [users[u], guides[u % 2], u === 2, at],
      );
      await db.query(`insert into feedback (ask_id, user_id, value, created_at) values ($1, $2, $3, $4)`, [
        ask!.id,
        users[u],
        u === 1 ? -1 : 1,
        at,
      ]);
    }
    await db.query(`insert into handoff_unmet (citizen_id, channel, problem, created_at) values ($1, 'web', 'cần người', $2)`, [
      users[2],
      daysAgo(d),
    ]);
  }
});
afterAll(() => app?.close());

describe('the console daily rollup', () => {
  it('rolls every day that is over, once, and the overview and guides read the same from it', async () => {
    const week = rangeOf(addDays(today, -6), today);
    const before = { overview: await overview(app.db, week), guides: await guideFigures(app.db, week, now) };
    expect(before.overview.totals).toMatchObject({ questions: 8, answered: 7, abstained: 1, active: 4, unmet: 4 });
    expect(await splitRange(app.db, week)).toEqual({ live: week });

    expect(await rollUp(app.db, now)).toBe(3);
    expect(await nextUnrolledDay(app.db)).toBe(today);
    expect(await rollUp(app.db, now)).toBe(0);
    expect(await splitRange(app.db, week)).toEqual({ rolled: rangeOf(week.from, addDays(today, -1)), live: rangeOf(today, today) });

    expect(await overview(app.db, week)).toEqual(before.overview);
    expect(await guideFigures(app.db, week, now)).toEqual(before.guides);
    // a range of rolled days only, and one of today only
    const past = rangeOf(addDays(today, -3), addDays(today, -2));
    expect((await overview(app.db, past)).totals).toMatchObject({ questions: 5, active: 4 });
    expect((await overview(app.db, rangeOf(today, today))).totals).toMatchObject({ questions: 2, active: 2 });

    // who wrote on a rolled day goes with the privacy job, the counts stay
    await runRetention(app.db, { days: 2, now });
    const [left] = await app.db.query<{ n: number }>(`select count(*)::int as n from report_active where day < $1::date`, [
      addDays(today, -2),
    ]);
    expect(left!.n).toBe(0);
    expect((await overview(app.db, past)).totals.questions).toBe(5);
  });
});
