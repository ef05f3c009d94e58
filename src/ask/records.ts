import type { Queryable } from '../db/index.ts';
import type { AskResult } from './asker.ts';

/** Stores what was asked (redacted) and what the assistant did, for operators and for feedback. Returns its id. */
export async function recordAsk(db: Queryable, userId: number | null, redactedQuestion: string, result: AskResult): Promise<number> {
  const [row] = await db.query<{ id: string }>(
    `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms) values ($1, $2, $3, $4, $5, $6) returning id`,
    [
      userId,
      redactedQuestion.slice(0, 2000),
      result.candidates[0]?.guideId ?? null,
      result.confidence,
      result.decision !== 'answer',
      result.latencyMs,
    ],
  );
  return Number(row!.id);
}

/**
 * 👍 (+1) or 👎 (-1) on an answer given to `userId`; pressing again changes the vote. Returns false for an unknown
 * answer or one given to someone else.
 */
export async function recordFeedback(db: Queryable, askId: number, userId: number, value: 1 | -1): Promise<boolean> {
  const rows = await db.query(
    `insert into feedback (ask_id, user_id, value) select id, $2, $3 from asks where id = $1 and user_id = $2
     on conflict (ask_id, user_id) do update set value = excluded.value, created_at = now() returning id`,
    [askId, userId, value],
  );
  return rows.length > 0;
}

/** Records a follow-up answered from the guide in context (no retrieval result of its own to store). Returns its id. */
export async function recordFollowUp(db: Queryable, userId: number, redactedQuestion: string, guideId: string, latencyMs: number) {
  const [row] = await db.query<{ id: string }>(
    `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms) values ($1, $2, $3, 1, false, $4) returning id`,
    [userId, redactedQuestion.slice(0, 2000), guideId, latencyMs],
  );
  return Number(row!.id);
}
