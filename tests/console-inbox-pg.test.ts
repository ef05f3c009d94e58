import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/http/server.ts';
import { serverAppFor } from './helpers/app.ts';
import { raceClaims } from './helpers/inbox-race.ts';
import { pgAvailable } from './helpers/pg.ts';

/** The acceptance: the browser's claim and Telegram's `/nhan` racing on the PostgreSQL server (real concurrency). */
describe.skipIf(!(await pgAvailable()))('the volunteer inbox on the PostgreSQL server', () => {
  const pg = serverAppFor(
    { beforeAll, afterAll },
    { TELEGRAM_BOT_TOKEN: `123456:${'x'.repeat(30)}`, VOLUNTEER_HOURS: '0-24', MESSAGES_PER_USER_PER_MINUTE: '0' },
  );
  let server: FastifyInstance;
  beforeAll(async () => {
    pg.app.pushChannels.add('telegram'); // as if Telegram had connected: the citizens and one volunteer are there
    server = await createServer(pg.app);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a browser claim racing a Telegram /nhan on the same request: exactly one winner, 50 times over', async () => {
    const { results, telegramVolunteer } = await raceClaims(pg.app, server, 50, 'pg');
    for (const r of results) {
      const won = [r.telegram, r.console].filter((a) => a.startsWith('✅'));
      expect(won, `${r.telegram} | ${r.console}`).toHaveLength(1);
      expect([r.telegram, r.console].find((a) => !a.startsWith('✅'))).toMatch(new RegExp(`#${r.id} đã có (Tùng|Quân) nhận rồi`));
      expect(r.claims).toBe(1);
      expect(r.holder === telegramVolunteer).toBe(r.telegram.startsWith('✅'));
    }
    const byTelegram = results.filter((r) => r.telegram.startsWith('✅')).length;
    console.log(`console race on PostgreSQL: Telegram won ${byTelegram} of 50, the browser ${50 - byTelegram}`);
  });
});
