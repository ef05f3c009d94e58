import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createServer } from '../src/http/server.ts';
import { serverAppFor } from './helpers/app.ts';
import { expectOneWinnerEach, raceClaims } from './helpers/inbox-race.ts';
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
    const race = await raceClaims(pg.app, server, 50, 'pg');
    expectOneWinnerEach(race);
    const byTelegram = race.results.filter((r) => r.telegram.startsWith('✅')).length;
    console.log(`console race on PostgreSQL: Telegram won ${byTelegram} of 50, the browser ${50 - byTelegram}`);
  });
});
