import { sendBatch, storedError, type BatchResult, type ClaimedRow, type EngineOptions, type PushSource } from '../push/engine.ts';
import { DeliveryError } from '../core/output.ts';
import { renderLesson } from './render.ts';
import { reply } from '../core/message.ts';
import { markUnreachableSql, showChoicesSql, shownParams } from '../core/users.ts';
import { getLesson, type LessonRow } from './store.ts';
import { PAUSE_NOTE } from './subscriptions.ts';
import { localHour, nextLocalTime } from '../time/vietnam.ts';

/** No message is pushed between 21:00 and 07:00 (Vietnam) unless the citizen chose an hour in that window. */
const QUIET_START = 21;
const QUIET_END = 7;
const isQuiet = (hour: number) => hour >= QUIET_START || hour < QUIET_END;

const PAUSED_NOTE = reply(
  '🌿 Mấy hôm nay bạn chưa mở bài học nên mình tạm dừng gửi bài, để không làm phiền bạn.\n' +
    'Khi nào rảnh, bạn chỉ cần nhắn bất kỳ điều gì là mình gửi tiếp vào giờ cũ. Gõ /huy nếu muốn dừng hẳn.',
);

/**
 * The line under the last lesson a channel with an interaction window can still send (Zalo OA: a citizen silent for
 * 7 days cannot be reached): any message keeps the lessons coming.
 */
export const WINDOW_NOTE =
  '💬 Để tiếp tục nhận bài mỗi ngày trên Zalo, bạn nhắn cho mình một chữ bất kỳ (ví dụ "ok") trong hôm nay hoặc ngày mai nhé. ' +
  'Zalo chỉ cho gửi tin tới người đã nhắn trong 7 ngày qua.';

export interface DeliveryOptions extends Omit<EngineOptions, 'leaseMs'> {
  /**
   * How long claimed rows stay this worker's, in ms (database clock); after a crash, unsent rows go back to the others
   * after it. No send starts after a third of it, so a slow send (a 429 waited out, a timeout) still ends within it.
   */
  leaseMs?: number;
  /** Attempts before a transient failure becomes permanent. */
  maxAttempts?: number;
}

export type { BatchResult };

/**
 * Claims up to `batchSize` due lessons and sends them through the push engine (src/push/engine.ts: one claim
 * statement with a lease, sends outside any transaction, each row marked as its send returns, hand-back after a 429,
 * past a third of the lease or on stop).
 *
 * Lessons back off from a minute up to an hour; a blocked user fails the row for good and pauses the subscription;
 * a lesson that no longer exists fails for good. Quiet hours hold a late or retried lesson until 07:00 unless the
 * citizen chose a night hour.
 */
export function deliverBatch(options: DeliveryOptions, now: Date): Promise<BatchResult> {
  return sendBatch(lessonSource(options.maxAttempts), options, now);
}

const sources = new Map<number, PushSource<OutboxRow>>();

/** The lesson `outbox` as a source of the push engine. */
function lessonSource(maxAttempts = 5): PushSource<OutboxRow> {
  let source = sources.get(maxAttempts);
  if (!source) sources.set(maxAttempts, (source = makeLessonSource(maxAttempts)));
  return source;
}

function makeLessonSource(maxAttempts: number): PushSource<OutboxRow> {
  return {
    name: 'outbox',
    policy: { maxAttempts, firstBackoffMs: 60_000, maxBackoffMs: 3600_000 },
    claim: (db, { channels, limit, leaseMs, token, now }) =>
      db.query<OutboxRow>(
        `with picked as (
           select o.id from outbox o
            where o.status = 'pending' and o.next_attempt_at <= $1 and (o.claimed_until is null or o.claimed_until < now())
              and o.channel = any($2::text[])
            order by o.due_at, o.id
            limit $3
            for update skip locked)
         update outbox o set claimed_until = now() + make_interval(secs => $4), claim_token = $5
           from picked, subscriptions s
          where o.id = picked.id and s.id = o.subscription_id
         returning o.id, o.subscription_id, s.user_id, o.course_id, o.position, o.channel, o.external_id as address, o.attempts, s.hour,
                   o.window_note`,
        [now, channels, limit, leaseMs / 1000, token],
      ),
    prepare(db, _rows, now) {
      // lessons rarely change: read each once per batch
      const lessons = new Map<string, Promise<LessonRow | undefined>>();
      const lessonOf = (courseId: string, position: number) => {
        const key = `${courseId}:${position}`;
        if (!lessons.has(key)) lessons.set(key, getLesson(db, courseId, position));
        return lessons.get(key)!;
      };
      return async (row) => {
        if (isQuiet(localHour(now)) && !isQuiet(row.hour)) return { holdUntil: nextLocalTime(now, QUIET_END, 0) };
        if (row.position === PAUSE_NOTE) return { send: [PAUSED_NOTE] };
        const lesson = await lessonOf(row.course_id, row.position);
        if (!lesson) throw new DeliveryError('permanent', 'lesson no longer exists');
        const rendered = renderLesson(lesson);
        return { send: [row.window_note ? { ...rendered, text: `${rendered.text}\n\n${WINDOW_NOTE}` } : rendered] };
      };
    },
    async markSent(db, row, sent, token, now) {
      // marked sent, and the quiz choices remembered (for "2" typed on Zalo, and as shown), in one statement
      const [pending, ids] = shownParams(sent[0]?.choices);
      await db.query(
        `with sent as (update outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, claimed_until = null, claim_token = null
                        where id = $1 and claim_token = $5)
         ${showChoicesSql('$3', '$4', '$6')}`,
        [row.id, now, row.user_id, pending, token, ids],
      );
    },
    async markRetry(db, row, token, { attempts, error, at }) {
      await db.query(
        `update outbox set attempts = $2, last_error = $3, next_attempt_at = $4, claimed_until = null, claim_token = null
          where id = $1 and claim_token = $5`,
        [row.id, attempts, storedError(error), at, token],
      );
    },
    async markFailed(db, row, token, { attempts, error }) {
      await db.transaction(async (tx) => {
        const [mine] = await tx.query(
          `update outbox set status = 'failed', attempts = $2, last_error = $3, claimed_until = null, claim_token = null
            where id = $1 and claim_token = $4 returning id`,
          [row.id, attempts, storedError(error), token],
        );
        if (mine && error.kind === 'blocked') {
          await tx.query(`update subscriptions set paused = 'blocked' where id = $1`, [row.subscription_id]);
          await tx.query(markUnreachableSql('$1'), [row.user_id]);
        }
      });
    },
    async hold(db, row, token, until) {
      await db.query(
        'update outbox set next_attempt_at = $2, claimed_until = null, claim_token = null where id = $1 and claim_token = $3',
        [row.id, until, token],
      );
    },
    async release(db, ids, token) {
      await db.query(
        `update outbox set claimed_until = null, claim_token = null
          where id = any($1::bigint[]) and claim_token = $2 and status = 'pending'`,
        [ids, token],
      );
    },
  };
}

interface OutboxRow extends ClaimedRow {
  subscription_id: string;
  user_id: string;
  course_id: string;
  position: number;
  hour: number;
  /** The last lesson the channel's interaction window lets through: sent with {@link WINDOW_NOTE}. */
  window_note: boolean;
}
