import { randomUUID } from 'node:crypto';
import type { Reply } from '../core/message.ts';
import { DeliveryError, type Sender } from '../core/output.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { judgeFailure } from './sender.ts';

/** Default number of messages one engine has in flight at once: what a kill -9 can repeat, at most. */
export const SEND_CONCURRENCY = 4;

/**
 * The one engine for everything the bot sends on its own. A **source** (the lesson outbox, the push outbox) owns its
 * table and SQL; the engine owns the protocol:
 *
 * 1. claim a batch in one short statement (`FOR UPDATE SKIP LOCKED`, then a lease on the database clock and a random
 *    claim token) — no transaction stays open afterwards;
 * 2. send the rows `concurrency` at a time, **outside any transaction** (so on the embedded database every other
 *    query runs meanwhile, and a server restart during a send costs only that send);
 * 3. mark each row the moment its send returns — sent, retried later or failed for good, classified once by
 *    {@link judgeFailure} — and only while the claim is still ours (the token matches);
 * 4. hand back the rows it did not start: after a 429 on their channel (which then pauses for `retry_after`), when a
 *    third of the lease has gone (past the lease another worker may claim them), or when the worker is stopping.
 *
 * Any number of processes can run it: a row is held by one claim at a time and no send starts late in its lease, so
 * none is sent twice. A process killed outright (`kill -9`) leaves its rows to be claimed again when the lease ends:
 * nothing is lost, and only the messages in flight at that instant can repeat (no messaging API takes an idempotency
 * key). Pacing per channel and per chat is the adapters' (see `paced`).
 */
export interface ClaimedRow {
  id: string;
  channel: string;
  /** Where it goes: the user's id on the channel, or a chat id. */
  address: string;
  /** Attempts made before this one. */
  attempts: number;
}

export interface ClaimRequest {
  channels: string[];
  limit: number;
  leaseMs: number;
  /** Written on the claimed rows; every later update of them requires it. */
  token: string;
  now: Date;
}

/** What to do with one claimed row: send these replies, or hold it until later (quiet hours). */
export type Prepared = { send: Reply[] } | { holdUntil: Date };

export interface RetryPolicy {
  maxAttempts: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
}

export interface PushSource<R extends ClaimedRow = ClaimedRow> {
  /** For logs. */
  readonly name: string;
  readonly policy: RetryPolicy;
  claim(db: Db, request: ClaimRequest): Promise<R[]>;
  /** Called once per batch; the function it returns says what each row sends (throw a DeliveryError to fail it). */
  prepare(db: Db, rows: R[], now: Date): (row: R) => Promise<Prepared>;
  markSent(db: Db, row: R, sent: Reply[], token: string, now: Date): Promise<void>;
  markRetry(db: Db, row: R, token: string, retry: { attempts: number; error: DeliveryError; at: Date }): Promise<void>;
  markFailed(db: Db, row: R, token: string, failure: { attempts: number; error: DeliveryError }): Promise<void>;
  hold(db: Db, row: R, token: string, until: Date): Promise<void>;
  /** Gives rows back unsent and untouched (only those still under `token`). */
  release(db: Db, ids: string[], token: string): Promise<void>;
}

/**
 * When each channel may be sent to again after a 429, in ms since the epoch. Share one between the sources of a
 * process (the limit is the bot's, not the table's); without one, each batch starts afresh.
 */
export type ChannelPauses = Map<string, number>;

export interface EngineOptions {
  db: Db;
  /** The output adapters of the channels to send, by name; rows of other channels are left alone. */
  senders: Record<string, Sender>;
  log?: Logger;
  /** Rows claimed at once (one statement) and then sent. */
  batchSize?: number;
  /** Messages in flight at once within a batch (each channel's pacing still applies). */
  concurrency?: number;
  /** How long claimed rows stay this worker's, in ms (database clock); no send starts after a third of it. */
  leaseMs?: number;
  /** When it says so, no further send starts: the rows not started are handed back (a normal stop). */
  stopping?: () => boolean;
  pauses?: ChannelPauses;
}

export interface BatchResult {
  sent: number;
  retried: number;
  failed: number;
}

export async function sendBatch<R extends ClaimedRow>(source: PushSource<R>, options: EngineOptions, now: Date): Promise<BatchResult> {
  const { db, senders } = options;
  const leaseMs = options.leaseMs ?? 90_000;
  const pauses = options.pauses ?? new Map<string, number>();
  const result: BatchResult = { sent: 0, retried: 0, failed: 0 };
  const channels = Object.keys(senders).filter((c) => (pauses.get(c) ?? 0) <= Date.now());
  if (!channels.length || options.stopping?.()) return result;
  const token = randomUUID();
  const claimedAt = Date.now();
  const rows = await source.claim(db, { channels, limit: options.batchSize ?? 100, leaseMs, token, now });
  if (!rows.length) return result;
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const prepare = source.prepare(db, rows, now);
  // after a 429 the platform wants quiet: that channel's other rows go back
  const throttled = new Set<string>();
  const released: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? SEND_CONCURRENCY, rows.length) }, async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        if (throttled.has(row.channel) || options.stopping?.() || Date.now() - claimedAt > leaseMs / 3) {
          released.push(row.id);
          continue;
        }
        await sendRow(row);
      }
    }),
  );
  if (released.length) await source.release(db, released, token);
  return result;

  /** Never throws: a database error while marking is logged, and the row comes back when its lease ends. */
  async function sendRow(row: R): Promise<void> {
    let prepared: Prepared;
    try {
      prepared = await prepare(row);
      if ('holdUntil' in prepared) return await source.hold(db, row, token, prepared.holdUntil);
      await senders[row.channel]!.send(row.address, prepared.send);
    } catch (err) {
      return failed(row, err);
    }
    try {
      await source.markSent(db, row, prepared.send, token, now);
      result.sent++;
    } catch (err) {
      options.log?.error(
        { source: source.name, row: row.id, err: (err as Error).message },
        'sent, but not marked: it goes out again after its lease',
      );
    }
  }

  async function failed(row: R, err: unknown): Promise<void> {
    const { error, attempts, giveUp, waitMs } = judgeFailure(err, row.attempts, source.policy);
    options.log?.warn({ source: source.name, row: row.id, channel: row.channel, kind: error.kind, err: error.message }, 'push failed');
    if (error.kind === 'rate-limited') {
      throttled.add(row.channel);
      pauses.set(row.channel, Math.max(pauses.get(row.channel) ?? 0, Date.now() + waitMs));
    }
    try {
      if (giveUp) {
        await source.markFailed(db, row, token, { attempts, error });
        result.failed++;
      } else {
        await source.markRetry(db, row, token, { attempts, error, at: new Date(now.getTime() + waitMs) });
        result.retried++;
      }
    } catch (e) {
      options.log?.error(
        { source: source.name, row: row.id, err: (e as Error).message },
        'failure not recorded: the row comes back after its lease',
      );
    }
  }
}

/** A DeliveryError message as stored (bounded). */
export const storedError = (e: DeliveryError) => e.message.slice(0, 500);
