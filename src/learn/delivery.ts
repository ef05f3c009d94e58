import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { DeliveryError, type PushSender } from '../push/sender.ts';
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
  /** Rows taken per batch (one transaction holds their row locks while they are sent). */
  batchSize?: number;
  /** Attempts before a transient failure becomes permanent. */
  maxAttempts?: number;
}

export interface BatchResult {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Sends up to `batchSize` due outbox rows. Each is taken with `FOR UPDATE SKIP LOCKED` and kept locked while it is
 * sent and marked, so any number of workers (processes) can run and no row is sent by two of them. A 429 waits the
 * platform's `retry_after`; transient errors back off exponentially; a blocked user fails the row for good and pauses
 * the subscription; permanent errors are recorded, never retried forever.
 */
export async function deliverBatch(options: DeliveryOptions, now: Date): Promise<BatchResult> {
  const { db, senders } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const result: BatchResult = { sent: 0, retried: 0, failed: 0 };
  // Lessons rarely change: read each once per batch.
  const lessons = new Map<string, Promise<LessonRow | undefined>>();
  const lessonOf = (tx: Queryable, courseId: string, position: number) => {
    const key = `${courseId}:${position}`;
    if (!lessons.has(key)) lessons.set(key, getLesson(tx, courseId, position));
    return lessons.get(key)!;
  };
  // After a 429 the platform wants quiet: that channel's other rows wait for a later batch.
  const throttled: string[] = [];
  for (let n = 0; n < (options.batchSize ?? 50); n++) {
    // One row, one transaction: its lock is held while it is sent and marked, and a crash can only repeat the one
    // message in flight (if the platform got it), never a whole batch.
    const done = await db.transaction(async (tx) => {
      const [row] = await tx.query<OutboxRow>(
        `select o.id, o.subscription_id, s.user_id, o.course_id, o.position, o.channel, o.external_id, o.attempts, s.hour
           from outbox o join subscriptions s on s.id = o.subscription_id
          where o.status = 'pending' and o.next_attempt_at <= $1 and not (o.channel = any($2::text[]))
          order by o.due_at, o.id
          limit 1
          for update of o skip locked`,
        [now, throttled],
      );
      if (!row) return true;
      // Quiet hours: a late or retried message waits for the morning, unless the citizen chose a night hour.
      if (isQuiet(localHour(now)) && !isQuiet(row.hour)) {
        await tx.query('update outbox set next_attempt_at = $2 where id = $1', [row.id, nextLocalTime(now, QUIET_END, 0)]);
        return false;
      }
      await sendRow(tx, row);
      return false;
    });
    if (done) break;
  }
  return result;

  async function sendRow(tx: Queryable, row: OutboxRow): Promise<void> {
    const sender = senders[row.channel];
    const lesson = row.position === PAUSE_NOTE ? undefined : await lessonOf(tx, row.course_id, row.position);
    try {
      if (!sender) throw new DeliveryError('permanent', `no sender for channel ${row.channel}`);
      if (!lesson && row.position !== PAUSE_NOTE) throw new DeliveryError('permanent', 'lesson no longer exists');
      const replies = [lesson ? renderLesson(lesson) : PAUSED_NOTE];
      await sender.push(row.external_id, replies);
      // marked sent, and the quiz choices remembered (for "2" typed on Zalo), in one statement
      const choices = replies.at(-1)?.choices;
      await tx.query(
        `with sent as (update outbox set status = 'sent', sent_at = $2, attempts = attempts + 1 where id = $1)
         update users set pending = $4 where id = $3`,
        [row.id, now, row.user_id, choices ? JSON.stringify(choices) : null],
      );
      result.sent++;
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError('transient', (err as Error).message);
      const attempts = row.attempts + 1;
      if (e.kind === 'blocked' || e.kind === 'permanent' || attempts >= maxAttempts) {
        await tx.query(`update outbox set status = 'failed', attempts = $2, last_error = $3 where id = $1`, [row.id, attempts, e.message.slice(0, 500)]);
        if (e.kind === 'blocked') {
          await tx.query(`update subscriptions set paused = 'blocked' where id = $1`, [row.subscription_id]);
          await tx.query('update users set reachable = false where id = $1', [row.user_id]);
        }
        result.failed++;
      } else {
        if (e.kind === 'rate-limited') throttled.push(row.channel);
        const waitMs = e.kind === 'rate-limited' ? (e.retryAfterMs ?? 1000) : Math.min(60_000 * 2 ** (attempts - 1), 3600_000);
        await tx.query(`update outbox set attempts = $2, last_error = $3, next_attempt_at = $4 where id = $1`, [
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
}
