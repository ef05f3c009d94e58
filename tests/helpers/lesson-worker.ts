/**
 * A lesson-delivery worker as its own process, for the kill -9 test: delivers pending outbox rows of the PostgreSQL
 * database in DATABASE_URL through the Telegram Bot API at TELEGRAM_API_ROOT until none are left (waiting for the
 * leases of a killed worker's rows to end), then exits.
 */
import { TelegramChannel } from '../../src/channels/telegram.ts';
import { Conversation } from '../../src/core/conversation.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { deliverBatch } from '../../src/learn/delivery.ts';
import { silentLogger } from '../../src/log.ts';

const db = await openPostgres(process.env.DATABASE_URL!, silentLogger, 2);
const tg = new TelegramChannel({
  token: process.env.TELEGRAM_BOT_TOKEN!,
  apiRoot: process.env.TELEGRAM_API_ROOT!,
  conversation: new Conversation({ db, log: silentLogger, features: [] }),
  db,
  log: silentLogger,
});
const now = new Date(process.env.NOW!);
for (;;) {
  const r = await deliverBatch({ db, senders: { telegram: tg.output }, batchSize: 10, concurrency: 2, leaseMs: 1500 }, now);
  if (r.sent + r.retried + r.failed > 0) continue;
  // rows a killed worker claimed come back when their lease ends
  const [left] = await db.query<{ n: number }>(`select count(*)::int as n from outbox where status = 'pending'`);
  if (!left!.n) break;
  await new Promise((ok) => setTimeout(ok, 200));
}
await db.close();
process.exit(0);
