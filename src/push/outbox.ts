import type { Reply } from '../core/message.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { judgeFailure, type PushSender } from './sender.ts';

/**
 * The durable outbox of messages the bot sends on its own (relayed text, announcements, notices). A message is a row
 * first — written in the same transaction as what caused it — and sent after, so a restart loses none.
 *
 * Rows to one address go out in order: a row waits while an earlier one to the same address is pending (a retried
 * message is never overtaken). The web chat has no push: its rows wait until the page fetches them ({@link takeWebPushes}).
 */
export interface Push {
  channel: string;
  /** The user's id on the channel, or a group chat id. */
  address: string;
  reply: Reply;
  /** The user it goes to, when the address is a user's own chat: their choices are remembered (a typed "1" works). */
  userId?: number;
}

export async function enqueuePush(db: Queryable, ...pushes: Push[]): Promise<void> {
  for (const p of pushes) {
    await db.query('insert into push_outbox (channel, address, reply, user_id) values ($1, $2, $3, $4)', [
      p.channel, p.address, JSON.stringify(p.reply), p.userId ?? null,
    ]);
  }
}

export interface PushResult {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Sends due rows of the channels in `senders`, one row per transaction with `FOR UPDATE SKIP LOCKED` (any number of
 * processes may run this), until none is left or `limit` is reached. 429 waits `retry_after`, transient errors back
 * off, a user who blocked the bot is marked unreachable, permanent errors are recorded and not retried.
 */
export async function deliverPushes(db: Db, senders: Record<string, PushSender>, options: { log?: Logger; now?: () => Date; limit?: number } = {}): Promise<PushResult> {
  const now = options.now ?? (() => new Date());
  const result: PushResult = { sent: 0, retried: 0, failed: 0 };
  const channels = Object.keys(senders);
  for (let n = 0; n < (options.limit ?? 200); n++) {
    const done = await db.transaction(async (tx) => {
      const [row] = await tx.query<PushRow>(
        `select p.id, p.channel, p.address, p.reply, p.user_id, p.attempts from push_outbox p
          where p.status = 'pending' and p.channel = any($1::text[]) and p.next_attempt_at <= $2
            and not exists (select 1 from push_outbox e where e.status = 'pending' and e.channel = p.channel
                              and e.address = p.address and e.id < p.id)
          order by p.id limit 1
          for update skip locked`,
        [channels, now()],
      );
      if (!row) return true;
      try {
        await senders[row.channel]!.push(row.address, [row.reply]);
        await tx.query(`update push_outbox set status = 'sent', sent_at = $2, attempts = attempts + 1 where id = $1`, [row.id, now()]);
        if (row.user_id && row.reply.choices?.length) await tx.query('update users set pending = $2 where id = $1', [row.user_id, JSON.stringify(row.reply.choices)]);
        result.sent++;
      } catch (err) {
        const { error: e, attempts, giveUp, waitMs } = judgeFailure(err, row.attempts, { maxAttempts: 6, firstBackoffMs: 2000, maxBackoffMs: 300_000 });
        if (giveUp) {
          await tx.query(`update push_outbox set status = 'failed', attempts = $2, last_error = $3 where id = $1`, [row.id, attempts, e.message.slice(0, 500)]);
          if (e.kind === 'blocked' && row.user_id) await tx.query('update users set reachable = false where id = $1', [row.user_id]);
          result.failed++;
        } else {
          await tx.query(`update push_outbox set attempts = $2, last_error = $3, next_attempt_at = $4 where id = $1`, [
            row.id, attempts, e.message.slice(0, 500), new Date(now().getTime() + waitMs),
          ]);
          result.retried++;
        }
        options.log?.warn({ push: row.id, channel: row.channel, kind: e.kind, err: e.message }, 'push failed');
      }
      return false;
    });
    if (done) break;
  }
  return result;
}

/**
 * The web chat's pushes for one session after `after` (the last one the page showed), oldest first, with the cursor
 * to send next time. Rows up to `after` are acknowledged (marked sent): a reply lost on the way is fetched again.
 */
export async function takeWebPushes(db: Db, channel: string, session: string, after = 0): Promise<{ replies: Reply[]; cursor: number }> {
  if (after > 0) {
    await db.query(`update push_outbox set status = 'sent', sent_at = now() where channel = $1 and address = $2 and status = 'pending' and id <= $3`, [channel, session, after]);
  }
  const rows = await db.query<{ id: string; reply: Reply }>(
    `select id, reply from push_outbox where channel = $1 and address = $2 and status = 'pending' and id > $3 order by id limit 50`,
    [channel, session, after],
  );
  return { replies: rows.map((r) => r.reply), cursor: rows.length ? Number(rows.at(-1)!.id) : after };
}

/** Rings when a handler queued pushes, so the worker of this process sends them now rather than at its next poll. */
export class PushSignal {
  private readonly listeners = new Set<() => void>();
  kick(): void {
    for (const l of this.listeners) l();
  }
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Keeps pushes flowing in this process: delivers at once when {@link PushWorker.kick}ed (a handler just queued
 * something) and every `intervalMs` anyway (rows queued by other processes, retries coming due).
 */
export interface PushWorker {
  kick(): void;
  /** Resolves when nothing deliverable is left (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startPushWorker(options: { db: Db; senders: Record<string, PushSender>; log: Logger; signal?: PushSignal; intervalMs?: number }): PushWorker {
  let stopped = false;
  let wake: (() => void) | undefined;
  let again = false;
  let idleWaiters: (() => void)[] = [];
  const loop = (async () => {
    while (!stopped) {
      again = false;
      try {
        for (;;) {
          const r = await deliverPushes(options.db, options.senders, { log: options.log });
          if (r.sent + r.failed + r.retried === 0 || stopped) break;
        }
      } catch (err) {
        options.log.error({ err: (err as Error).message }, 'push worker error');
      }
      if (again) continue;
      for (const w of idleWaiters) w();
      idleWaiters = [];
      if (stopped) break;
      await new Promise<void>((ok) => {
        wake = ok;
        setTimeout(ok, options.intervalMs ?? 2000);
      });
    }
  })();
  const kick = () => {
    again = true;
    wake?.();
  };
  const unsubscribe = options.signal?.on(kick);
  return {
    kick,
    idle() {
      return new Promise<void>((ok) => {
        idleWaiters.push(ok);
        kick();
      });
    },
    async stop() {
      unsubscribe?.();
      stopped = true;
      wake?.();
      await loop;
      for (const w of idleWaiters) w();
    },
  };
}

interface PushRow {
  id: string;
  channel: string;
  address: string;
  reply: Reply;
  user_id: string | null;
  attempts: number;
}
