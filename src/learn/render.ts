import { defineChoice } from '../core/choices.ts';
import { reply, type Choice, type Reply } from '../core/message.ts';
import type { LessonRow } from './store.ts';

/** Opens (or resumes) a course at the user's next lesson. */
export const courseChoice = defineChoice('course', { course: 'slug' });
/** Answers the quiz of lesson `lesson` of `course` with option `option` (1-based): counts only while it is the user's lesson. */
export const quizChoice = defineChoice('quiz', { course: 'slug', lesson: 'int', option: 'int' });
/** Starts a finished course again from lesson 1. */
export const restartChoice = defineChoice('restart', { course: 'slug' });
/** "See you tomorrow". */
export const laterChoice = defineChoice('later', {});
/** The list of courses (`learn:list`). */
export const coursesChoice = defineChoice('learn', { what: ['list'] });
/** Daily lessons: the course picked; the hour comes next. */
export const subscribeChoice = defineChoice('sub', { course: 'slug' });
/** Daily lessons of `course` at `time` (`hhmm`, Vietnam time). */
export const subscribeAtChoice = defineChoice('subat', { course: 'slug', time: /([01]\d|2[0-3])[0-5]\d/ });

export const coursesButton = (label = '📚 Các khóa khác'): Choice => ({ id: coursesChoice.make({ what: 'list' }), label });

/**
 * A lesson card ending with its quiz, the options as choices. One message, in the chat and in daily delivery: a
 * pushed lesson is a single send per chat (Telegram allows about one message per second to a chat), and a crash can
 * never deliver half a lesson. `knowledge check` keeps the whole card under `LESSON_LIMITS.messageChars`, well
 * within Zalo's 2,000 characters.
 */
export function renderLesson(lesson: LessonRow): Reply {
  const card = reply(
    `📘 ${lesson.courseTitle} · Bài ${lesson.position}/${lesson.total}\n**${lesson.title}**\n\n${lesson.body}\n\n❓ ${lesson.quiz.question}`,
    lesson.quiz.options.map((o, i) => ({
      id: quizChoice.make({ course: lesson.courseId, lesson: lesson.position, option: i + 1 }),
      label: o,
    })),
  );
  // with a picture, the card is its caption: still one message
  return lesson.image ? { ...card, image: { path: lessonImagePath(lesson.courseId, lesson.image), alt: lesson.title } } : card;
}

/** Where our HTTP server serves a lesson picture (`knowledge/lessons/<course>/<file>`). */
export const lessonImagePath = (courseId: string, file: string) => `/lesson-images/${courseId}/${file}`;
