import type { Queryable } from '../db/index.ts';
import { localDay, TIME_ZONE } from '../time/vietnam.ts';

export interface CourseRow {
  id: string;
  title: string;
  description: string;
  lessons: number;
}

export interface LessonRow {
  courseId: string;
  courseTitle: string;
  position: number;
  total: number;
  title: string;
  body: string;
  /** A picture file in the course folder, if the lesson has one. */
  image?: string;
  quiz: { question: string; options: string[]; answer: number; explanation: string };
}

export async function listCourses(db: Queryable): Promise<CourseRow[]> {
  const rows = await db.query<{ id: string; title: string; description: string; lessons: number }>(
    `select c.id, c.title, c.description, (select count(*)::int from lessons l where l.course_id = c.id) as lessons
       from courses c where not c.retired order by c.ord, c.id`,
  );
  return rows;
}

export async function getLesson(db: Queryable, courseId: string, position: number): Promise<LessonRow | undefined> {
  const [row] = await db.query<{
    title: string;
    body: string;
    image: string | null;
    quiz: LessonRow['quiz'];
    course_title: string;
    total: number;
  }>(
    `select l.title, l.body, l.image, l.quiz, c.title as course_title,
            (select count(*)::int from lessons x where x.course_id = c.id) as total
       from lessons l join courses c on c.id = l.course_id where l.course_id = $1 and l.position = $2`,
    [courseId, position],
  );
  return (
    row && {
      courseId,
      courseTitle: row.course_title,
      position,
      total: row.total,
      title: row.title,
      body: row.body,
      quiz: row.quiz,
      ...(row.image ? { image: row.image } : {}),
    }
  );
}

/** The user's place in a course, enrolling them if they are new to it. */
export async function enroll(db: Queryable, userId: number, courseId: string): Promise<{ next: number; completed: boolean }> {
  const [row] = await db.query<{ next_position: number; completed_at: Date | null }>(
    `insert into enrollments (user_id, course_id) values ($1, $2)
     on conflict (user_id, course_id) do update set user_id = excluded.user_id
     returning next_position, completed_at`,
    [userId, courseId],
  );
  return { next: row!.next_position, completed: row!.completed_at !== null };
}

export async function restart(db: Queryable, userId: number, courseId: string): Promise<void> {
  await db.query('update enrollments set next_position = 1, completed_at = null where user_id = $1 and course_id = $2', [userId, courseId]);
}

/**
 * Records a quiz answer (the first one counts for the score) and moves the user past the lesson.
 * Returns whether the course is now complete.
 */
export async function answerQuiz(
  db: Queryable,
  userId: number,
  lesson: LessonRow,
  choice: number,
  now: Date,
): Promise<{ correct: boolean; completed: boolean }> {
  const correct = choice === lesson.quiz.answer;
  await db.query(
    `insert into quiz_answers (user_id, course_id, position, choice, correct, answered_at) values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing`,
    [userId, lesson.courseId, lesson.position, choice, correct, now],
  );
  const [row] = await db.query<{ completed_at: Date | null }>(
    `insert into enrollments (user_id, course_id, next_position) values ($1, $2, $3 + 1)
     on conflict (user_id, course_id) do update
       set next_position = greatest(enrollments.next_position, excluded.next_position),
           completed_at = coalesce(enrollments.completed_at, case when excluded.next_position > $4 then $5::timestamptz end)
     returning completed_at`,
    [userId, lesson.courseId, lesson.position, lesson.total, now],
  );
  return { correct, completed: row!.completed_at !== null };
}

export interface Progress {
  courses: { title: string; done: number; total: number; answered: number; correct: number; completed: boolean }[];
  /** Days in a row (Vietnam time) with at least one quiz answered, ending today or yesterday. */
  streak: number;
}

export async function progress(db: Queryable, userId: number, now: Date): Promise<Progress> {
  const courses = await db.query<{ title: string; done: number; total: number; answered: number; correct: number; completed: boolean }>(
    `select c.title, least(e.next_position - 1, t.total) as done, t.total,
            (select count(*)::int from quiz_answers q where q.user_id = e.user_id and q.course_id = e.course_id) as answered,
            (select count(*)::int from quiz_answers q where q.user_id = e.user_id and q.course_id = e.course_id and q.correct) as correct,
            e.completed_at is not null as completed
       from enrollments e join courses c on c.id = e.course_id
       cross join lateral (select count(*)::int as total from lessons l where l.course_id = e.course_id) t
      where e.user_id = $1 order by e.started_at`,
    [userId],
  );
  const days = await db.query<{ day: string }>(
    `select distinct to_char(answered_at at time zone '${TIME_ZONE}', 'YYYY-MM-DD') as day
       from quiz_answers where user_id = $1 order by day desc limit 400`,
    [userId],
  );
  return {
    courses,
    streak: streakOf(
      days.map((d) => d.day),
      localDay(now),
    ),
  };
}

/** Consecutive days ending today or yesterday, from distinct days sorted newest first. */
export function streakOf(daysDesc: string[], today: string): number {
  const dayNumber = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000);
  let expected = dayNumber(today);
  if (daysDesc[0] && dayNumber(daysDesc[0]) === expected - 1) expected -= 1;
  let streak = 0;
  for (const d of daysDesc) {
    if (dayNumber(d) !== expected) break;
    streak++;
    expected--;
  }
  return streak;
}
