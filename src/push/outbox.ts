import type { Reply } from '../core/message.ts';
import { markUnreachable, offerChoices, showChoices } from '../core/users.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { redact } from '../text/redact.ts';
import { sendBatch, storedError, type BatchResult, type ChannelPauses, type ClaimedRow, type PushSource } from './engine.ts';
import type { Sender } from '../core/output.ts';
import { runWorkers, type PeriodicTask } from './workers.ts';

/**
 * The durable outbox of messages the bot sends on its own (relayed text, announcements, notices). A message is a row
 * first — written in the same transaction as what caused it — and sent after, so a restart loses none.
 *
 * Rows to one address go out in order: a row waits while an earlier one to the same address is pending (a retried
 * message is never overtaken). The web chat has no push: its rows wait until the page fetches them ({@link takeWebPushes}).
 * The text is stored redacted like everything else (ID numbers, phone numbers, codes, e-mails, a given name): a
 * volunteer's reply reaches the citizen with them masked — personal numbers do not travel through the bot.
 */
export interface Push {
  channel: string;
  /** The user's id on the channel, or a group chat id. */
  address: string;
  reply: Reply;
  /** The user it goes to, when the address is a user's own chat: their choices are remembered (a typed "1" works). */
  userId?: number;
  /** Its choices are already the user's pending and shown ones: a reply the conversation core recorded as it answered. */
  recorded?: boolean;
}

/**
 * Queues pushes, in order, in one statement; their choices count as shown to the user at once (a press may come
 * before the send returns), unless the core recorded them already.
 */
export async function enqueuePush(db: Queryable, ...pushes: Push[]): Promise<void> {
  if (!pushes.length) return;
  const rows = pushes.map((p) => ({
    channel: p.channel,
    address: p.address,
    reply: { ...p.reply, text: redact(p.reply.text).text },
    user_id: p.userId ?? null,
    remember: !p.recorded,
  }));
  await db.query(
    `insert into push_outbox (channel, address, reply, user_id, remember_choices)
     select r->>'channel', r->>'address', r->'reply', (r->>'user_id')::bigint, (r->>'remember')::boolean
       from jsonb_array_elements($1::jsonb) with ordinality as e(r, n) order by n`,
    [JSON.stringify(rows)],
  );
  for (const p of pushes) if (p.userId !== undefined && !p.recorded) await offerChoices(db, p.userId, p.reply.choices);
}

export type PushResult = BatchResult;

interface PushRow extends ClaimedRow {
  reply: Reply;
  user_id: string | null;
  remember_choices: boolean;
}

/**
 * `push_outbox` as a source of the push engine. A batch takes at most the oldest pending row of each address (the
 * rule that keeps one chat's messages in order: a row waits while an earlier one to its address is pending, claimed
 * or not), due now, of the channels being sent.
 */
export const pushSource: PushSource<PushRow> = {
  name: 'push_outbox',
  policy: { maxAttempts: 6, firstBackoffMs: 2000, maxBackoffMs: 300_000 },
  claim: (db, { channels, limit, leaseMs, token, now }) =>
    db.query<PushRow>(
      `with picked as (
         select p.id from push_outbox p
          where p.status = 'pending' and p.channel = any($1::text[]) and p.next_attempt_at <= $2
            and (p.claimed_until is null or p.claimed_until < now())
            and not exists (select 1 from push_outbox e where e.status = 'pending' and e.channel = p.channel
                              and e.address = p.address and e.id < p.id)
          order by p.id limit $3
          for update skip locked)
       update push_outbox p set claimed_until = now() + make_interval(secs => $4), claim_token = $5
         from picked where p.id = picked.id
       returning p.id, p.channel, p.address, p.reply, p.user_id, p.remember_choices, p.attempts`,
      [channels, now, limit, leaseMs / 1000, token],
    ),
  prepare: (db) => async (row) => {
    // The choices it shows are the ones a typed "1" answers — remembered before the send, since the person can
    // answer as soon as it arrives, before the send has even returned to us.
    if (row.user_id && row.remember_choices && row.reply.choices?.length) await showChoices(db, Number(row.user_id), row.reply.choices);
    return { send: [row.reply] };
  },
  async markSent(db, row, _sent, token, now) {
    await db.query(
      `update push_outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, claimed_until = null, claim_token = null
        where id = $1 and claim_token = $3`,
      [row.id, now, token],
    );
  },
  async markRetry(db, row, token, { attempts, error, at }) {
    await db.query(
      `update push_outbox set attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = null, claim_token = null
        where id = $1 and claim_token = $5`,
      [row.id, attempts, storedError(error), at, token],
    );
  },
  async markFailed(db, row, token, { attempts, error }) {
    const [mine] = await db.query(
      `update push_outbox set status = 'failed', attempts = $2, last_error = $3, claimed_until = null, claim_token = null
        where id = $1 and claim_token = $4 returning id`,
      [row.id, attempts, storedError(error), token],
    );
    if (mine && error.kind === 'blocked' && row.user_id) await markUnreachable(db, Number(row.user_id));
  },
  async hold(db, row, token, until) {
    await db.query(
      `update push_outbox set next_attempt_at = $2, claimed_until = null, claim_token = null where id = $1 and claim_token = $3`,
      [row.id, until, token],
    );
  },
  async release(db, ids, token) {
    await db.query(
      `update push_outbox set claimed_until = null, claim_token = null
        where id = any($1::bigint[]) and claim_token = $2 and status = 'pending'`,
      [ids, token],
    );
  },
};

/** One batch of due pushes of the channels in `senders` (see the engine for the rules). */
export function deliverPushes(
  db: Db,
  senders: Record<string, Sender>,
  options: { log?: Logger; now?: () => Date; limit?: number; stopping?: () => boolean; pauses?: ChannelPauses } = {},
): Promise<PushResult> {
  return sendBatch(
    pushSource,
    { db, senders, log: options.log, batchSize: options.limit ?? 50, stopping: options.stopping, pauses: options.pauses },
    (options.now ?? (() => new Date()))(),
  );
}

/**
 * The web chat's pushes for one session after `after` (the last one the page showed), oldest first, with the cursor
 * to send next time. Rows up to `after` are acknowledged (marked sent): a reply lost on the way is fetched again.
 */
export async function takeWebPushes(db: Db, channel: string, session: string, after = 0): Promise<{ replies: Reply[]; cursor: number }> {
  if (after > 0) {
    await db.query(
      `update push_outbox set status = 'sent', sent_at = now() where channel = $1 and address = $2 and status = 'pending' and id <= $3`,
      [channel, session, after],
    );
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

/** The background task that sends `push_outbox` (name {@link PUSH_TASK}); kick it when something was queued. */
export const PUSH_TASK = 'pushes';

export function pushTask(options: {
  db: Db;
  senders: Record<string, Sender>;
  log: Logger;
  pauses?: ChannelPauses;
  everyMs?: number;
}): PeriodicTask {
  return {
    name: PUSH_TASK,
    everyMs: options.everyMs ?? 2000,
    async run(stopping) {
      const r = await deliverPushes(options.db, options.senders, { log: options.log, stopping, pauses: options.pauses });
      return r.sent + r.failed + r.retried > 0;
    },
  };
}

/**
 * Keeps pushes flowing in this process on its own (tests; `npm start` runs it with the other workers, see
 * src/workers.ts): delivers at once when kicked and every `intervalMs` anyway (rows queued by other processes,
 * retries coming due).
 */
export interface PushWorker {
  kick(): void;
  /** Resolves when nothing deliverable is left (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startPushWorker(options: {
  db: Db;
  senders: Record<string, Sender>;
  log: Logger;
  signal?: PushSignal;
  intervalMs?: number;
}): PushWorker {
  const workers = runWorkers([pushTask({ ...options, pauses: new Map(), everyMs: options.intervalMs })], options.log);
  const kick = () => workers.kick(PUSH_TASK);
  const unsubscribe = options.signal?.on(kick);
  return {
    kick,
    idle: () => workers.idle(PUSH_TASK),
    async stop() {
      unsubscribe?.();
      await workers.stop();
    },
  };
}
