import type { Db } from '../db/index.ts';
import type { Feature, Handler, Turn } from '../core/conversation.ts';
import { reply, type Reply } from '../core/message.ts';
import { answerQuiz, enroll, getLesson, listCourses, progress, restart, type LessonRow } from './store.ts';

/** Choice ids of the learn slice (kept under Telegram's 64 bytes). */
export const LEARN = {
  course: (id: string) => `course:${id}`,
  quiz: (courseId: string, position: number, option: number) => `quiz:${courseId}:${position}:${option}`,
  restart: (id: string) => `restart:${id}`,
  later: 'later',
} as const;

/**
 * Learn: short courses inside the chat. /hoc lists them; picking one starts or resumes it; each lesson is followed
 * by its quiz; the answer is judged with an explanation, then "Bài tiếp theo" / "Để mai". /tiendo shows progress,
 * quiz score and the streak of learning days.
 */
export function learnFeature(deps: { db: Db; now?: () => Date }): Feature {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  const courses: Handler = async () => {
    const list = await listCourses(db);
    if (!list.length) return [reply('Hiện chưa có khóa học nào. Bạn quay lại sau nhé!')];
    const text = ['📚 **Các khóa học ngắn** — mỗi bài đọc trong 1–2 phút, cuối bài có một câu hỏi nhỏ.', ...list.map((c, i) => `${i + 1}. **${c.title}** (${c.lessons} bài): ${c.description}`)].join('\n\n');
    return [reply(text, list.map((c) => ({ id: LEARN.course(c.id), label: `📘 ${c.title}` })))];
  };

  const showLesson = (lesson: LessonRow): Reply[] => [
    reply(`📘 ${lesson.courseTitle} · Bài ${lesson.position}/${lesson.total}\n**${lesson.title}**\n\n${lesson.body}`),
    reply(
      `❓ ${lesson.quiz.question}`,
      lesson.quiz.options.map((o, i) => ({ id: LEARN.quiz(lesson.courseId, lesson.position, i + 1), label: o })),
    ),
  ];

  const open = async (turn: Turn, courseId: string): Promise<Reply[]> => {
    const place = await enroll(db, turn.user.id, courseId);
    const lesson = await getLesson(db, courseId, place.next);
    if (!lesson) {
      const first = await getLesson(db, courseId, 1);
      if (!first) return [reply('Khóa học này không còn nữa. Gõ /hoc để xem các khóa khác.')];
      return [
        reply(`🎉 Bạn đã học xong khóa **${first.courseTitle}**. Muốn ôn lại từ đầu không?`, [
          { id: LEARN.restart(courseId), label: '🔁 Học lại từ đầu' },
          { id: 'learn:list', label: '📚 Các khóa khác' },
        ]),
      ];
    }
    return showLesson(lesson);
  };

  const judge: Handler = async (turn) => {
    const [courseId, pos, opt] = turn.choice!.arg.split(':');
    const lesson = await getLesson(db, courseId!, Number(pos));
    const choice = Number(opt);
    if (!lesson || !(choice >= 1 && choice <= lesson.quiz.options.length)) return [reply('Câu hỏi này đã cũ. Gõ /hoc để học tiếp nhé.')];
    const { correct, completed } = await answerQuiz(db, turn.user.id, lesson, choice, now());
    const verdict = correct
      ? `✅ **Đúng rồi!** ${lesson.quiz.explanation}`
      : `❌ **Chưa đúng.** Đáp án là: ${lesson.quiz.options[lesson.quiz.answer - 1]}. ${lesson.quiz.explanation}`;
    if (lesson.position >= lesson.total && completed) {
      return [
        reply(`${verdict}\n\n🎉 Chúc mừng bạn đã học xong khóa **${lesson.courseTitle}**! Gõ /tiendo để xem kết quả.`, [
          { id: 'learn:list', label: '📚 Học khóa khác' },
        ]),
      ];
    }
    return [
      reply(verdict, [
        { id: LEARN.course(lesson.courseId), label: '➡️ Bài tiếp theo' },
        { id: LEARN.later, label: '🌙 Để mai' },
      ]),
    ];
  };

  const report: Handler = async (turn) => {
    const p = await progress(db, turn.user.id, now());
    if (!p.courses.length) return [reply('Bạn chưa bắt đầu khóa học nào. Gõ /hoc để chọn một khóa nhé.', [{ id: 'learn:list', label: '📚 Xem các khóa học' }])];
    const lines = p.courses.map(
      (c) => `${c.completed ? '🎓' : '📘'} **${c.title}**: ${c.done}/${c.total} bài · trả lời đúng ${c.correct}/${c.answered} câu`,
    );
    lines.push(p.streak > 0 ? `🔥 Chuỗi ngày học liên tiếp: ${p.streak} ngày` : '🔥 Học một bài hôm nay để bắt đầu chuỗi ngày học nhé!');
    return [reply(`**Tiến độ học của bạn**\n\n${lines.join('\n')}`)];
  };

  return {
    name: 'learn',
    commands: { '/hoc': courses, '/tiendo': report },
    phrases: Object.fromEntries([
      ...['học', 'bài học', 'khóa học', 'học bài', 'muốn học', 'học thêm'].map((p) => [p, courses]),
      ...['tiến độ', 'tiến độ học', 'kết quả học', 'xem tiến độ'].map((p) => [p, report]),
    ]),
    choices: {
      course: (turn) => open(turn, turn.choice!.arg),
      quiz: judge,
      restart: async (turn) => {
        await restart(db, turn.user.id, turn.choice!.arg);
        return open(turn, turn.choice!.arg);
      },
      later: async () => [reply('🌙 Hẹn bạn ngày mai! Gõ /hoc bất cứ lúc nào để học tiếp.')],
      learn: courses,
    },
  };
}
