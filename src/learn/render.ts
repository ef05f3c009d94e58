import { reply, type Reply } from '../core/message.ts';
import type { LessonRow } from './store.ts';

/** Choice ids of the learn slice (kept under Telegram's 64 bytes). */
export const LEARN = {
  course: (id: string) => `course:${id}`,
  quiz: (courseId: string, position: number, option: number) => `quiz:${courseId}:${position}:${option}`,
  restart: (id: string) => `restart:${id}`,
  later: 'later',
} as const;

/** A lesson card, then its quiz with the options as choices. Used in the chat and by daily delivery. */
export function renderLesson(lesson: LessonRow): Reply[] {
  return [
    reply(`📘 ${lesson.courseTitle} · Bài ${lesson.position}/${lesson.total}\n**${lesson.title}**\n\n${lesson.body}`),
    reply(
      `❓ ${lesson.quiz.question}`,
      lesson.quiz.options.map((o, i) => ({ id: LEARN.quiz(lesson.courseId, lesson.position, i + 1), label: o })),
    ),
  ];
}
