import type { Db } from '../db/index.ts';
import { courseHash, type Course } from './content.ts';

/**
 * Makes the course tables match the files: changed courses are rewritten, new ones added, removed ones retired
 * (kept for the people enrolled, no longer offered). Returns how many courses changed.
 */
export async function syncCourses(db: Db, courses: Course[]): Promise<number> {
  const existing = new Map(
    (await db.query<{ id: string; content_hash: string; retired: boolean }>('select id, content_hash, retired from courses')).map((r) => [
      r.id,
      r,
    ]),
  );
  let changed = 0;
  for (const c of courses) {
    const hash = courseHash(c);
    const row = existing.get(c.id);
    if (row && row.content_hash === hash && !row.retired) continue;
    changed++;
    await db.transaction(async (tx) => {
      await tx.query(
        `insert into courses (id, title, description, audience, ord, content_hash, retired, updated_at)
         values ($1, $2, $3, $4, $5, $6, false, now())
         on conflict (id) do update set title = excluded.title, description = excluded.description, audience = excluded.audience,
           ord = excluded.ord, content_hash = excluded.content_hash, retired = false, updated_at = now()`,
        [c.id, c.title, c.description, c.audience, c.order, hash],
      );
      await tx.query('delete from lessons where course_id = $1', [c.id]);
      await tx.query(
        `insert into lessons (course_id, position, title, body, image, guides, quiz)
         select $1, l.position, l.title, l.body, l.image, array(select jsonb_array_elements_text(l.guides)), l.quiz
           from jsonb_to_recordset($2::jsonb) as l(position int, title text, body text, image text, guides jsonb, quiz jsonb)`,
        [c.id, JSON.stringify(c.lessons.map(({ file: _file, ...l }) => l))],
      );
    });
  }
  const gone = [...existing.keys()].filter((id) => !courses.some((c) => c.id === id) && !existing.get(id)!.retired);
  if (gone.length) await db.query('update courses set retired = true where id = any($1::text[])', [gone]);
  return changed + gone.length;
}
