import type { Queryable } from '../db/index.ts';

/** Help-desk figures for one volunteer or overall. Times in minutes (medians), rating 1–5 (mean). */
export interface HandoffFigures {
  volunteer: string;
  tickets: number;
  closed: number;
  waiting: number;
  first_response_min: number | null;
  resolution_min: number | null;
  rating: number | null;
  ratings: number;
  /** Requests nobody could take (no volunteer reachable on any running channel): the unmet demand. Overall only. */
  unmet: number;
}

const FIGURES = `count(*)::int as tickets,
  count(*) filter (where t.status = 'closed')::int as closed,
  count(*) filter (where t.status = 'waiting')::int as waiting,
  percentile_cont(0.5) within group (order by extract(epoch from t.first_response_at - t.queued_at) / 60) as first_response_min,
  percentile_cont(0.5) within group (order by extract(epoch from t.closed_at - t.queued_at) / 60)
    filter (where t.status = 'closed') as resolution_min,
  avg(t.rating)::float as rating,
  count(t.rating)::int as ratings,
  0 as unmet`;

/**
 * First-response time (queued → first volunteer message), resolution time (queued → closed) and rating, per
 * volunteer (by who holds or closed the request) and overall, with the requests nobody could take (`unmet`, overall).
 * `cli handoff stats` prints them.
 */
export async function handoffStats(db: Queryable, since?: Date): Promise<{ overall: HandoffFigures; volunteers: HandoffFigures[] }> {
  const where = `t.status <> 'draft' and t.queued_at is not null ${since ? 'and t.queued_at >= $1' : ''}`;
  const params = since ? [since] : [];
  const [overall] = await db.query<HandoffFigures>(`select 'all' as volunteer, ${FIGURES} from tickets t where ${where}`, params);
  const volunteers = await db.query<HandoffFigures>(
    `select v.name || ' (' || v.id || ')' as volunteer, ${FIGURES}
       from tickets t join volunteers v on v.id = t.volunteer_id where ${where} group by v.id, v.name order by v.id`,
    params,
  );
  const [unmet] = await db.query<{ n: number }>(
    `select count(*)::int as n from handoff_unmet ${since ? 'where created_at >= $1' : ''}`,
    params,
  );
  const round = (f: HandoffFigures): HandoffFigures => ({
    ...f,
    first_response_min: f.first_response_min === null ? null : Math.round(f.first_response_min * 10) / 10,
    resolution_min: f.resolution_min === null ? null : Math.round(f.resolution_min * 10) / 10,
    rating: f.rating === null ? null : Math.round(f.rating * 100) / 100,
  });
  return { overall: { ...round(overall!), unmet: unmet!.n }, volunteers: volunteers.map(round) };
}

/** Suggested guide updates volunteers saved, newest first, for content editors. */
export async function guideSuggestions(
  db: Queryable,
  status = 'new',
): Promise<{ id: number; question: string; answer: string; volunteer: string | null; created_at: Date }[]> {
  return db.query(
    `select s.id::int as id, s.question, s.answer, v.name as volunteer, s.created_at
       from guide_suggestions s left join volunteers v on v.id = s.volunteer_id where s.status = $1 order by s.id desc`,
    [status],
  );
}
