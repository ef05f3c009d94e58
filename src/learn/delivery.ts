import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { DeliveryError, judgeFailure, type PushSender } from '../push/sender.ts';
import { renderLesson } from './render.ts';
import { reply } from '../core/message.ts';
import { getLesson, type LessonRow } from './store.ts';
import { PAUSE_NOTE } from './subscriptions.ts';
import { localHour, nextLocalTime } from './time.ts';

/** No message is pushed between 21:00 and 07:00 (Vietnam) unless the citizen chose an hour in that window. */
export const QUIET_START = 21;
export const QUIET_END = 7;
const isQuiet = (hour: number) => hour >= QUIET_START || hour < QUIET_END;

const PAUSED_NOTE = reply(
  '🌿 Mấy hôm nay bạn chưa mở bài học nên mình tạm dừng gửi bài, để không làm phiền bạn.\nKhi nào rảnh, bạn chỉ cần nhắn bất kỳ điều gì là mình gửi tiếp vào giờ cũ. Gõ /huy nếu muốn dừng hẳn.',
);

export interface DeliveryOptions {
  db: Db;
  senders: Record<string, PushSender>;
  log?: Logger;
  /** Rows claimed at once (one statement) and then sent. */
  batchSize?: number;
  /** Messages in flight at once within a batch (each channel's pacing still applies). */
  concurrency?: number;
  /**
   * How long claimed rows stay this worker's, in ms (database clock); after a crash, unsent rows go back to the others
   * after it. No send starts after a third of it, so a slow send (a 429 waited out, a timeout) still ends within it.
   */
  leaseMs?: number;
  /** Attempts before a transient failure becomes permanent. */
  maxAttempts?: number;
}

export interface BatchResult {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Claims up to `batchSize` due outbox rows in one statement (`FOR UPDATE SKIP LOCKED`, then a lease), sends them
 * `concurrency` at a time and marks each the moment its send returns. Any number of workers (processes) can run: a
 * row is claimed by one at a time, and a worker stops sending its rows before their lease ends, so no row is sent by
 * two. If a worker dies, its unsent rows are claimed again after the lease; only a message in flight at that instant
 * can repeat (the platform may have got it; no messaging API takes an idempotency key).
 *
 * A 429 waits the platform's `retry_after` (that channel's other rows go back for later); transient errors back off
 * exponentially; a blocked user fails the row for good and pauses the subscription; permanent errors are recorded,
 * never retried forever. Quiet hours hold a late or retried lesson until 07:00 unless the citizen chose a night hour.
 */
export async function deliverBatch(options: DeliveryOptions, now: Date): Promise<BatchResult> {
  const { db, senders } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const leaseMs = options.leaseMs ?? 90_000;
  const result: BatchResult = { sent: 0, retried: 0, failed: 0 };
  const claimedAt = Date.now();
  const rows = await db.query<OutboxRow>(
    `with picked as (
       select o.id from outbox o
        where o.status = 'pending' and o.next_attempt_at <= $1 and (o.claimed_until is null or o.claimed_until < now())
          and o.channel = any($2::text[])
        order by o.due_at, o.id
        limit $3
        for update skip locked)
     update outbox o set claimed_until = now() + make_interval(secs => $4)
       from picked, subscriptions s
      where o.id = picked.id and s.id = o.subscription_id
     returning o.id, o.subscription_id, s.user_id, o.course_id, o.position, o.channel, o.external_id, o.attempts, s.hour, o.claimed_until::text as claim`,
    [now, Object.keys(senders), options.batchSize ?? 100, leaseMs / 1000],
  );
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  // Lessons rarely change: read each once per batch.
  const lessons = new Map<string, Promise<LessonRow | undefined>>();
  const lessonOf = (courseId: string, position: number) => {
    const key = `${courseId}:${position}`;
    if (!lessons.has(key)) lessons.set(key, getLesson(db, courseId, position));
    return lessons.get(key)!;
  };
  // After a 429 the platform wants quiet: that channel's other rows go back for a later batch.
  const throttled = new Set<string>();
  const released: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 4, rows.length) }, async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        // Stop well before the lease ends: past it another worker may claim the row.
        if (throttled.has(row.channel) || Date.now() - claimedAt > leaseMs / 3) {
          released.push(row.id);
          continue;
        }
        if (isQuiet(localHour(now)) && !isQuiet(row.hour)) {
          await db.query('update outbox set next_attempt_at = $2, claimed_until = null where id = $1', [row.id, nextLocalTime(now, QUIET_END, 0)]);
          continue;
        }
        await sendRow(row);
      }
    }),
  );
  // only rows still under this claim (the lease time is the claim's token)
  if (released.length) await db.query(`update outbox set claimed_until = null where id = any($1::bigint[]) and claimed_until = $2::timestamptz and status = 'pending'`, [released, rows[0]!.claim]);
  return result;

  async function sendRow(row: OutboxRow): Promise<void> {
    const sender = senders[row.channel]!;
    const lesson = row.position === PAUSE_NOTE ? undefined : await lessonOf(row.course_id, row.position);
    try {
      if (!lesson && row.position !== PAUSE_NOTE) throw new DeliveryError('permanent', 'lesson no longer exists');
      const message = lesson ? renderLesson(lesson) : PAUSED_NOTE;
      await sender.push(row.external_id, [message]);
      // marked sent, and the quiz choices remembered (for "2" typed on Zalo), in one statement
      await db.query(
        `with sent as (update outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, claimed_until = null where id = $1)
         update users set pending = $4 where id = $3`,
        [row.id, now, row.user_id, message.choices ? JSON.stringify(message.choices) : null],
      );
      result.sent++;
    } catch (err) {
      const { error: e, attempts, giveUp, waitMs } = judgeFailure(err, row.attempts, { maxAttempts, firstBackoffMs: 60_000, maxBackoffMs: 3600_000 });
      if (giveUp) {
        await db.transaction(async (tx) => {
          await tx.query(`update outbox set status = 'failed', attempts = $2, last_error = $3, claimed_until = null where id = $1`, [row.id, attempts, e.message.slice(0, 500)]);
          if (e.kind === 'blocked') {
            await tx.query(`update subscriptions set paused = 'blocked' where id = $1`, [row.subscription_id]);
            await tx.query('update users set reachable = false where id = $1', [row.user_id]);
          }
        });
        result.failed++;
      } else {
        if (e.kind === 'rate-limited') throttled.add(row.channel);
        await db.query(`update outbox set attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = null where id = $1`, [
          row.id, attempts, e.message.slice(0, 500), new Date(now.getTime() + waitMs),
        ]);
        result.retried++;
      }
      options.log?.warn({ outbox: row.id, kind: e.kind, err: e.message }, 'lesson delivery failed');
    }
  }
}

interface OutboxRow {
  id: string;
  subscription_id: string;
  user_id: string;
  course_id: string;
  position: number;
  channel: string;
  external_id: string;
  attempts: number;
  hour: number;
  /** The claim's lease end as Postgres prints it (microseconds: a JS Date would round them off). */
  claim: string;
}
