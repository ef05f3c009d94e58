import { randomUUID } from 'node:crypto';
import type { Conversation } from '../core/conversation.ts';
import { reply, type Inbound } from '../core/message.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { enqueuePush, type PushSignal } from '../push/outbox.ts';
import { redact } from '../text/redact.ts';

/**
 * Durable intake (at-least-once): a webhook or a poll *records* each update as an `inbound_updates` row and only then
 * acknowledges it (HTTP 200, or the poll offset moves on). A worker — in every process, woken at once after a record,
 * every few seconds anyway, and on start for what an earlier process recorded but did not finish — claims pending rows
 * with `FOR UPDATE SKIP LOCKED` and a lease, runs the conversation turn, and marks the row handled **in the same
 * transaction that queues the turn's replies** in `push_outbox`; the push worker sends them. So:
 *
 * - an acknowledged update is never lost: a crash before that transaction leaves the row pending, and it is claimed
 *   again when its lease ends (at once on start, for the single-process embedded database);
 * - after that transaction the replies are the outbox's to deliver (retries, 429, blocked users);
 * - a turn that throws is tried again with back-off, `maxAttempts` times in all, then the citizen gets a short
 *   apology and the row is marked failed with the reason.
 *
 * One chat's updates are handled one at a time, in the order they were recorded. The stored payload has its text
 * fields redacted; the raw text stays in the memory of the process that recorded it (like the core's own rule), so a
 * turn run again after a crash sees the personal numbers as placeholders.
 */
export interface IntakeItem {
  /** Where the answer goes (the chat id). */
  address: string;
  inbound: Inbound;
  /** The address is the user's own chat with the bot (not a group): the user's choices ride on the pushes. */
  own: boolean;
  /** Channel-specific extras (a Telegram callback query id). */
  meta?: Record<string, string>;
}

export interface IntakeEntry {
  /** Unique per channel: Telegram `update_id`, Zalo `message_id`. */
  key: string;
  item: IntakeItem;
}

export interface IntakeHandler {
  conversation: Conversation;
  /** Called as a turn starts (typing indicator, answering a button press); best effort; may return a stop function. */
  begin?(item: IntakeItem): (() => void) | void;
}

export interface IntakeOptions {
  db: Db;
  log: Logger;
  /** Rung after replies are queued, so the push worker sends them now. */
  signal?: PushSignal;
  /** Tries of one update, the first included, before the apology. Default 3. */
  maxAttempts?: number;
  /** Wait before try `attempt + 1`. Default 1 s, 4 s, 16 s… (at most a minute). */
  backoffMs?: (attempt: number) => number;
  /** How long a claimed row is this worker's; renewed while the turn runs. Default 60 s. */
  leaseMs?: number;
  /** Turns run at once in this process (different chats). Default 4. */
  concurrency?: number;
  /** Poll for rows recorded by other processes or coming due. Default 2 s. */
  intervalMs?: number;
  /** Handled and failed rows older than this are deleted. Default 7 days. */
  retentionMs?: number;
  /**
   * The database belongs to this process alone (embedded PGlite): on start, leases of a process that died are
   * released at once instead of waiting for them to run out.
   */
  releaseLeasesOnStart?: boolean;
}

export const APOLOGY = 'Xin lỗi, mình gặp trục trặc nên chưa trả lời được tin nhắn vừa rồi của bạn. Bạn gửi lại giúp mình nhé.';

interface Row {
  id: string;
  channel: string;
  chat: string;
  payload: IntakeItem;
  attempts: number;
}

class LostLease extends Error {}

export class Intake {
  private readonly handlers = new Map<string, IntakeHandler>();
  private readonly token = randomUUID();
  /** Raw items recorded by this process, by row id (the stored payload is redacted). */
  private readonly raw = new Map<string, { item: IntakeItem; at: number }>();
  private readonly active = new Set<Promise<void>>();
  private running?: Promise<void>;
  private again = false;
  private started = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private lastPrune = 0;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;

  constructor(private readonly options: IntakeOptions) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.concurrency = options.concurrency ?? 4;
  }

  /** The channel's turns; rows of channels nobody registered in this process are left to other processes. */
  register(channel: string, handler: IntakeHandler): void {
    this.handlers.set(channel, handler);
  }

  /**
   * Records updates (one transaction; a key seen before is not recorded again) and wakes the worker. Resolves once
   * the rows are committed: only then may the caller acknowledge. Returns how many were new.
   */
  async record(channel: string, entries: IntakeEntry[]): Promise<number> {
    if (!entries.length) return 0;
    const fresh = await this.options.db.transaction(async (tx) => {
      const ids: { id: string; item: IntakeItem }[] = [];
      for (const { key, item } of entries) {
        const [row] = await tx.query<{ id: string }>(
          `insert into inbound_updates (channel, update_key, chat, payload) values ($1, $2, $3, $4)
           on conflict (channel, update_key) do nothing returning id`,
          [channel, key, item.address, JSON.stringify(redactItem(item))],
        );
        if (row) ids.push({ id: String(row.id), item });
      }
      return ids;
    });
    const at = Date.now();
    for (const { id, item } of fresh) this.raw.set(id, { item, at });
    if (fresh.length) this.kick();
    return fresh.length;
  }

  /** Starts the worker: pending rows (from before a restart too) are handled now, and every `intervalMs`. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.releaseLeasesOnStart) {
      await this.options.db.query(
        `update inbound_updates set lease_until = null, claimed_by = null where status = 'pending' and lease_until is not null`,
      );
    }
    const tick = () => {
      this.timer = setTimeout(() => {
        if (this.stopped) return;
        this.kick();
        if (Date.now() - this.lastPrune > 3_600_000)
          void this.prune().catch((err: Error) => this.options.log.warn({ err: err.message }, 'intake: prune failed'));
        tick();
      }, this.options.intervalMs ?? 2000);
      this.timer.unref?.();
    };
    tick();
    this.kick();
  }

  kick(): void {
    if (!this.started || this.stopped) return;
    void this.pump();
  }

  /** Resolves when nothing claimable is left and no turn runs in this process (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      await this.pump();
      if (this.active.size) {
        await Promise.allSettled([...this.active]);
        continue;
      }
      if (!(await this.claimable())) return;
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }

  /**
   * Waits until the update recorded under `key` is handled (or failed) and no reply to its chat is still pending
   * in the outbox: what a caller handing in one update and wanting its answer out needs (tests, the terminal).
   */
  async settle(channel: string, key: string, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      this.kick();
      const [row] = await this.options.db.query<{ done: boolean }>(
        `select i.status <> 'pending' and not exists (select 1 from push_outbox p
                  where p.channel = i.channel and p.address = i.chat and p.status = 'pending') as done
           from inbound_updates i where i.channel = $1 and i.update_key = $2`,
        [channel, key],
      );
      if (!row || row.done) return;
      if (Date.now() > until) throw new Error(`intake: update ${channel}/${key} not settled after ${timeoutMs} ms`);
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }

  /** Stops claiming and waits for the turns in flight (their rows end handled, or pending for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled([...this.active]);
  }

  /** Deletes handled and failed rows older than the retention (7 days): the de-duplication window. */
  async prune(now = new Date()): Promise<number> {
    this.lastPrune = Date.now();
    const cutoff = new Date(now.getTime() - (this.options.retentionMs ?? 7 * 86_400_000));
    const rows = await this.options.db.query(`delete from inbound_updates where status <> 'pending' and received_at < $1 returning id`, [
      cutoff,
    ]);
    // raw texts of rows another process finished
    for (const [id, { at }] of this.raw) if (Date.now() - at > 3_600_000) this.raw.delete(id);
    return rows.length;
  }

  private pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && this.active.size < this.concurrency) {
            const rows = await this.claim(this.concurrency - this.active.size);
            if (!rows.length) break;
            for (const row of rows) {
              const work: Promise<void> = this.run(row).finally(() => {
                this.active.delete(work);
                this.kick();
              });
              this.active.add(work);
            }
          }
        } catch (err) {
          this.options.log.error({ err: (err as Error).message }, 'intake: claiming failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async claimable(): Promise<boolean> {
    const [row] = await this.options.db.query<{ n: number }>(
      `select count(*)::int as n from inbound_updates where status = 'pending' and channel = any($1::text[])
          and next_attempt_at <= now() and (lease_until is null or lease_until < now())`,
      [[...this.handlers.keys()]],
    );
    return (row?.n ?? 0) > 0;
  }

  /** Claims due rows: the oldest pending row of each chat only (a chat's updates in order), skipping locked ones. */
  private claim(limit: number): Promise<Row[]> {
    return this.options.db.query<Row>(
      `with picked as (
         select p.id from inbound_updates p
          where p.status = 'pending' and p.channel = any($1::text[]) and p.next_attempt_at <= now()
            and (p.lease_until is null or p.lease_until < now())
            and not exists (select 1 from inbound_updates e where e.status = 'pending' and e.channel = p.channel
                              and e.chat = p.chat and e.id < p.id)
          order by p.id limit $2
          for update skip locked)
       update inbound_updates u set attempts = u.attempts + 1, claimed_by = $3,
              lease_until = now() + ($4::int * interval '1 millisecond')
         from picked where u.id = picked.id
       returning u.id, u.channel, u.chat, u.payload, u.attempts`,
      [[...this.handlers.keys()], limit, this.token, this.leaseMs],
    );
  }

  private async run(row: Row): Promise<void> {
    const id = String(row.id);
    const handler = this.handlers.get(row.channel)!;
    const item = this.raw.get(id)?.item ?? row.payload;
    const { db, log } = this.options;
    if (row.attempts > this.maxAttempts) {
      // claimed that many times without an outcome: the process stopped while handling it, every time
      await this.fail(row, item, `gave up after ${row.attempts - 1} tries that never finished (the process stopped)`);
      return;
    }
    const renew = setInterval(
      () => {
        void db
          .query(
            `update inbound_updates set lease_until = now() + ($3::int * interval '1 millisecond') where id = $1 and claimed_by = $2`,
            [id, this.token, this.leaseMs],
          )
          .catch(() => {});
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    let stopBegin: (() => void) | void = undefined;
    try {
      try {
        stopBegin = handler.begin?.(item);
      } catch {
        // best effort
      }
      const turn = await handler.conversation.respond(item.inbound);
      const { replies } = turn;
      const userId = item.own ? turn.userId : undefined;
      await db.transaction(async (tx) => {
        const done = await tx.query(
          `update inbound_updates set status = 'handled', handled_at = now(), lease_until = null, error = null
            where id = $1 and claimed_by = $2 and status = 'pending' returning id`,
          [id, this.token],
        );
        if (!done.length) throw new LostLease();
        await enqueuePush(
          tx,
          ...replies.map((r) => ({ channel: row.channel, address: item.address, reply: r, recorded: true, ...(userId ? { userId } : {}) })),
        );
      });
      this.raw.delete(id);
      if (replies.length) this.options.signal?.kick();
    } catch (err) {
      if (err instanceof LostLease) {
        log.warn(
          { channel: row.channel, update: id },
          'intake: lease lost while handling (another worker took the update); its replies are not queued',
        );
        return;
      }
      const message = redact((err as Error).message ?? String(err)).text.slice(0, 500);
      if (row.attempts >= this.maxAttempts) {
        await this.fail(row, item, message);
        return;
      }
      const waitMs = this.options.backoffMs?.(row.attempts) ?? Math.min(1000 * 4 ** (row.attempts - 1), 60_000);
      log.warn(
        { channel: row.channel, update: id, attempt: row.attempts, retryInMs: waitMs, err: message },
        'intake: turn failed; will try again',
      );
      await db
        .query(
          `update inbound_updates set lease_until = null, claimed_by = null, error = $3,
                  next_attempt_at = now() + ($4::int * interval '1 millisecond')
            where id = $1 and claimed_by = $2 and status = 'pending'`,
          [id, this.token, message, waitMs],
        )
        .catch((e: Error) => log.error({ err: e.message, update: id }, 'intake: could not schedule the retry (the lease will run out)'));
    } finally {
      clearInterval(renew);
      try {
        stopBegin?.();
      } catch {
        // best effort
      }
    }
  }

  /** The last try failed: the citizen gets an apology (queued with the row marked failed), never silence. */
  private async fail(row: Row, item: IntakeItem, reason: string): Promise<void> {
    const id = String(row.id);
    const { db, log } = this.options;
    try {
      const userId = item.own ? await this.userIdOf(row.channel, item.inbound.userId).catch(() => undefined) : undefined;
      await db.transaction(async (tx) => {
        const done = await tx.query(
          `update inbound_updates set status = 'failed', handled_at = now(), lease_until = null, error = $3
            where id = $1 and claimed_by = $2 and status = 'pending' returning id`,
          [id, this.token, reason],
        );
        if (!done.length) throw new LostLease();
        await enqueuePush(tx, { channel: row.channel, address: item.address, reply: reply(APOLOGY), ...(userId ? { userId } : {}) });
      });
      this.raw.delete(id);
      this.options.signal?.kick();
      log.error(
        { channel: row.channel, update: id, attempts: row.attempts, err: reason },
        'intake: update failed for good; the citizen was asked to send it again',
      );
    } catch (err) {
      if (err instanceof LostLease) return;
      log.error({ err: (err as Error).message, update: id }, 'intake: could not mark the update failed (it will be claimed again)');
    }
  }

  private async userIdOf(channel: string, externalId: string): Promise<number | undefined> {
    const [u] = await this.options.db.query<{ id: string }>('select id from users where channel = $1 and external_id = $2', [
      channel,
      externalId,
    ]);
    return u ? Number(u.id) : undefined;
  }
}

/** The item as stored: text fields with personal numbers replaced by placeholders; ids kept (needed to answer). */
export function redactItem(item: IntakeItem): IntakeItem {
  const { inbound } = item;
  return {
    ...item,
    inbound: {
      ...inbound,
      ...(inbound.text !== undefined ? { text: redact(inbound.text).text } : {}),
      ...(inbound.displayName !== undefined ? { displayName: redact(inbound.displayName).text } : {}),
    },
  };
}
