import { reply, type Reply } from '../core/message.ts';
import type { LessonRow } from './store.ts';

/** Choice ids of the learn slice (kept under Telegram's 64 bytes). */
export const LEARN = {
  course: (id: string) => `course:${id}`,
  quiz: (courseId: string, position: number, option: number) => `quiz:${courseId}:${position}:${option}`,
  restart: (id: string) => `restart:${id}`,
  later: 'later',
} as const;

/**
 * A lesson card ending with its quiz, the options as choices. One message, in the chat and in daily delivery: a
 * pushed lesson is a single send per chat (Telegram allows about one message per second to a chat), and a crash can
 * never deliver half a lesson. `knowledge check` keeps the whole card under `LESSON_LIMITS.messageChars`, well within Zalo's 2,000 characters.
 */
export function renderLesson(lesson: LessonRow): Reply {
  const card = reply(
    `📘 ${lesson.courseTitle} · Bài ${lesson.position}/${lesson.total}\n**${lesson.title}**\n\n${lesson.body}\n\n❓ ${lesson.quiz.question}`,
    lesson.quiz.options.map((o, i) => ({ id: LEARN.quiz(lesson.courseId, lesson.position, i + 1), label: o })),
  );
  // with a picture, the card is its caption: still one message
  return lesson.image ? { ...card, image: { path: lessonImagePath(lesson.courseId, lesson.image), alt: lesson.title } } : card;
}

/** Where our HTTP server serves a lesson picture (`knowledge/lessons/<course>/<file>`). */
export const lessonImagePath = (courseId: string, file: string) => `/lesson-images/${courseId}/${file}`;
