import { REFUSAL } from '../ask/render.ts';
import type { Queryable } from '../db/index.ts';
import { LINK_DANGER, SCAM_HEADER } from '../safety/texts.ts';
import { TIME_ZONE } from '../time/vietnam.ts';
import type { DayRange } from './range.ts';
import type { SplitRange } from './rolled.ts';

/**
 * The overview's SQL, read live: every query reads one table's rows created in the range and aggregates in SQL (one
 * row per day and channel at most). The pages run them over the days not rolled up yet, the rollup over each day that
 * ended (see rollup.ts). The indexes they read by (migration 024):
 * - `asks (created_at)` — questions and outcomes per day;
 * - `messages (created_at)` — active citizens, refusals and scam warnings (one scan of the range's messages);
 * - `tickets (queued_at)` — requests handed to a volunteer; `handoff_unmet (created_at)` exists;
 * - `subscriptions (created_at)` — new subscriptions.
 */

/** The Vietnam day of a timestamp, as a date (a cheap key to group by; formatted once per group, by {@link label}). */
const day = (column: string) => `(${column} at time zone '${TIME_ZONE}')::date`;
const label = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;

/** How many questions a day came on each channel, and how many were answered or abstained on. */
export interface AskDay {
  day: string;
  channel: string;
  questions: number;
  answered: number;
  abstained: number;
}

/**
 * Questions per Vietnam day and channel (asks joined to the asker's channel). A guide picked from a list (`[chọn] …`)
 * is a press of a button, not a question, and is left out. A refusal is stored as an abstention (see {@link messageDays}).
 */
export async function askDays(db: Queryable, range: DayRange): Promise<AskDay[]> {
  return db.query<AskDay>(
    `select ${label('d')} as day, channel, questions, answered, abstained from (
       select ${day('a.created_at')} as d, coalesce(u.channel, 'không rõ') as channel, count(*)::int as questions,
              count(*) filter (where not a.abstained)::int as answered, count(*) filter (where a.abstained)::int as abstained
         from asks a left join users u on u.id = a.user_id
        where a.created_at >= $1 and a.created_at < $2 and left(a.question, 7) <> '[chọn] '
        group by 1, 2) g order by 1, 2`,
    [range.start, range.end],
  );
}

/**
 * Messages of volunteers (their relayed replies, the console's inbox turns) are not citizens': left out of every
 * count read off `messages` (a hashed subplan over the small volunteers table).
 */
export const NOT_VOLUNTEER = 'user_id not in (select user_id from volunteers)';

/** Per day: citizens who wrote, refusals sent and scam warnings shown (both read off the redacted replies logged). */
export interface MessageDay {
  day: string;
  active: number;
  refused: number;
  scam_warnings: number;
}

/** The start of the refusal reply, as logged in `messages` (REFUSAL has no personal numbers, so redaction keeps it). */
export const REFUSAL_START = REFUSAL.text.slice(0, 40);

/**
 * Active citizens (distinct users with an inbound message), refusals and scam warnings per day, in one scan of the
 * range's messages, aggregated per day and user first (hashing, no sort of the texts). Refusals are not told apart
 * from abstentions in `asks`; the reply sent is, so it is counted here. Scam warnings are the replies that start with
 * the warning's header ({@link SCAM_HEADER}) and the verdicts on dangerous links (a lookalike site, an .apk: `⛔ …`).
 */
export async function messageDays(db: Queryable, range: DayRange): Promise<MessageDay[]> {
  return db.query<MessageDay>(
    `select ${label('d')} as day, count(*) filter (where wrote)::int as active, sum(refused)::int as refused,
            sum(scam_warnings)::int as scam_warnings
       from (select ${day('created_at')} as d, user_id, bool_or(direction = 'in') as wrote,
                    count(*) filter (where direction = 'out' and left(text, char_length($3)) = $3) as refused,
                    count(*) filter (where direction = 'out' and (starts_with(text, $4) or starts_with(text, $5))) as scam_warnings
               from messages where created_at >= $1 and created_at < $2 and ${NOT_VOLUNTEER} group by 1, 2) per_user
      group by d order by d`,
    [range.start, range.end, REFUSAL_START, SCAM_HEADER, LINK_DANGER],
  );
}

/**
 * Distinct citizens with an inbound message over the whole range (not the sum of the days): who wrote on the rolled
 * days (`report_active`) together with who wrote on the days read live.
 */
export async function activeCitizens(db: Queryable, split: SplitRange): Promise<number> {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (split.rolled) {
    params.push(split.rolled.from, split.rolled.to);
    parts.push(`select user_id from report_active where day >= $1::date and day <= $2::date`);
  }
  if (split.live) {
    params.push(split.live.start, split.live.end);
    const [a, b] = [params.length - 1, params.length];
    parts.push(`select user_id from messages where direction = 'in' and created_at >= $${a} and created_at < $${b} and ${NOT_VOLUNTEER}`);
  }
  if (!parts.length) return 0;
  const sql = `select count(*)::int as n from (select distinct user_id from (${parts.join(' union all ')}) a) u`;
  const [row] = await db.query<{ n: number }>(sql, params);
  return row!.n;
}

/** Per day: requests queued for a volunteer, requests nobody could take, new lesson subscriptions. */
export interface PeopleDay {
  day: string;
  handed: number;
  unmet: number;
  subscriptions: number;
}

/** Requests handed to a person (queued tickets, and unmet ones), and new subscriptions, per day. */
export async function peopleDays(db: Queryable, range: DayRange): Promise<PeopleDay[]> {
  return db.query<PeopleDay>(
    `select ${label('d')} as day, sum(handed)::int as handed, sum(unmet)::int as unmet, sum(subscriptions)::int as subscriptions from (
       select ${day('queued_at')} as d, count(*) as handed, 0 as unmet, 0 as subscriptions
         from tickets where queued_at >= $1 and queued_at < $2 group by 1
       union all
       select ${day('created_at')}, 0, count(*), 0 from handoff_unmet where created_at >= $1 and created_at < $2 group by 1
       union all
       select ${day('created_at')}, 0, 0, count(*) from subscriptions where created_at >= $1 and created_at < $2 group by 1
     ) t group by d order by d`,
    [range.start, range.end],
  );
}
