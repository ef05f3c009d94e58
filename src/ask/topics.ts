import type { Queryable } from '../db/index.ts';

/** How long a conversation's topic is remembered: a follow-up after this is read on its own. */
export const TOPIC_MINUTES = 30;

export interface Topic {
  guideId: string;
  /** The part of it shown last (`steps` for the first reply). */
  part: string;
}

/**
 * The guide a user was last answered with (per user, in `conversation_topics`), for follow-ups without an LLM.
 * `now` is the clock (tests move it); the lifetime is compared with it, not with the database's clock.
 */
export class Topics {
  constructor(
    private readonly db: Queryable,
    private readonly now: () => Date = () => new Date(),
    private readonly minutes = TOPIC_MINUTES,
  ) {}

  async get(userId: number): Promise<Topic | undefined> {
    const since = new Date(this.now().getTime() - this.minutes * 60_000);
    const [row] = await this.db.query<{ guide_id: string; part: string }>(
      `select guide_id, part from conversation_topics where user_id = $1 and at >= $2`,
      [userId, since.toISOString()],
    );
    return row ? { guideId: row.guide_id, part: row.part } : undefined;
  }

  async set(userId: number, guideId: string, part = 'steps'): Promise<void> {
    await this.db.query(
      `insert into conversation_topics (user_id, guide_id, part, at) values ($1, $2, $3, $4)
       on conflict (user_id) do update set guide_id = excluded.guide_id, part = excluded.part, at = excluded.at`,
      [userId, guideId, part, this.now().toISOString()],
    );
  }

  async clear(userId: number): Promise<void> {
    await this.db.query(`delete from conversation_topics where user_id = $1`, [userId]);
  }
}
