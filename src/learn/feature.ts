import type { Db } from '../db/index.ts';
import { on, type Feature, type Handler, type Turn } from '../core/feature.ts';
import { reply, type Reply } from '../core/message.ts';
import { certificatePath, issueCertificate } from './certificate.ts';
import {
  courseChoice,
  coursesButton,
  coursesChoice,
  laterChoice,
  quizChoice,
  renderLesson,
  restartChoice,
  subscribeAtChoice,
  subscribeChoice,
} from './render.ts';
import { getSubscription, resumeIfPaused, subscribe, unsubscribe } from './subscriptions.ts';
import { formatTime, parseTimeOfDay } from './time.ts';
import { answerQuiz, enroll, getLesson, listCourses, progress, restart } from './store.ts';

const GONE_COURSE = 'Khóa học này không còn nữa. Gõ /hoc để xem các khóa khác.';
const STALE_QUIZ = 'Câu hỏi này đã cũ. Gõ /hoc để học tiếp nhé.';
/** The quiz of a lesson the user is no longer on: where they are instead. */
const staleQuiz = (course: string, next: number | 'done') =>
  next === 'done'
    ? `Câu hỏi này đã cũ: bạn đã học xong khóa **${course}**.`
    : `Câu hỏi này đã cũ: bạn đang ở bài ${next} của khóa **${course}**.`;

/** Where citizens find the bots that send by themselves (for /dangky on the web): filled once the channels connect. */
export interface PushLinks {
  /** e.g. `{ name: '@binhdan_bot', url: 'https://t.me/binhdan_bot?start=hoc' }` */
  telegram?: { name: string; url: string };
  /** The Zalo bot's name (to search for in Zalo), and its link when one is known. */
  zalo?: { name: string; url?: string };
}

/** /dangky where lessons cannot be pushed: the bots that can, named with their links when they are running. */
function pushElsewhere(links: PushLinks): string {
  const lines = [
    ...(links.telegram ? [`• Telegram: **${links.telegram.name}** — ${links.telegram.url}`] : []),
    ...(links.zalo ? [`• Zalo: tìm **${links.zalo.name}** trong Zalo${links.zalo.url ? ` — ${links.zalo.url}` : ''}`] : []),
  ];
  const here = 'Ở đây bạn vẫn học được bất cứ lúc nào: gõ /hoc.';
  if (!lines.length) return `📅 Nhận một bài mỗi ngày có trên **Telegram** và **Zalo** của Bình Dân. ${here}`;
  return `📅 Nhận một bài mỗi ngày, bạn nhắn cho Bình Dân trên:\n${lines.join('\n')}\nrồi gõ /dangky ở đó.\n\n${here}`;
}

/**
 * Learn: short courses inside the chat. /hoc lists them; picking one starts or resumes it; each lesson is followed
 * by its quiz; the answer is judged with an explanation, then "Bài tiếp theo" / "Để mai". /tiendo shows progress,
 * quiz score and the streak of learning days. /dangky subscribes to a lesson a day at a chosen hour, /huy stops it.
 */
export function learnFeature(deps: {
  db: Db;
  /** Whether daily lessons can be pushed to users of this channel now (a channel that connected and can push). */
  canPush: (channel: string) => boolean;
  now?: () => Date;
  publicBase?: string;
  /** The bots that push, for /dangky where nothing can be pushed (the web chat). */
  pushLinks?: () => PushLinks;
}): Feature {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  const courses: Handler = async () => {
    const list = await listCourses(db);
    if (!list.length) return [reply('Hiện chưa có khóa học nào. Bạn quay lại sau nhé!')];
    const text = [
      '📚 **Các khóa học ngắn** — mỗi bài đọc trong 1–2 phút, cuối bài có một câu hỏi nhỏ.',
      ...list.map((c, i) => `${i + 1}. **${c.title}** (${c.lessons} bài): ${c.description}`),
    ].join('\n\n');
    return [
      reply(
        text,
        list.map((c) => ({ id: courseChoice.make({ course: c.id }), label: `📘 ${c.title}` })),
      ),
    ];
  };

  const open = async (turn: Turn, courseId: string): Promise<Reply[]> => {
    // a forged or stale id must not create an enrollment in a course that does not exist (foreign key)
    if (!(await listCourses(db)).some((c) => c.id === courseId)) return [reply(GONE_COURSE)];
    const place = await enroll(db, turn.user.id, courseId);
    const lesson = await getLesson(db, courseId, place.next);
    if (!lesson) {
      const first = await getLesson(db, courseId, 1);
      if (!first) return [reply('Khóa học này không còn nữa. Gõ /hoc để xem các khóa khác.')];
      return [
        reply(`🎉 Bạn đã học xong khóa **${first.courseTitle}**. Muốn ôn lại từ đầu không?`, [
          { id: restartChoice.make({ course: courseId }), label: '🔁 Học lại từ đầu' },
          coursesButton(),
        ]),
      ];
    }
    return [renderLesson(lesson)];
  };

  /** A quiz answer: it counts only for the lesson the user is on (an old or forged button gets the current one). */
  const judge = async (turn: Turn, courseId: string, position: number, choice: number): Promise<Reply[]> => {
    const lesson = await getLesson(db, courseId, position);
    if (!lesson || !(choice >= 1 && choice <= lesson.quiz.options.length)) return [reply(STALE_QUIZ)];
    const place = await enroll(db, turn.user.id, courseId);
    if (place.next !== position) {
      return [
        reply(staleQuiz(lesson.courseTitle, place.completed ? 'done' : place.next), [
          { id: courseChoice.make({ course: courseId }), label: place.completed ? '📘 Xem khóa học' : '➡️ Học tiếp' },
        ]),
      ];
    }
    const { correct, completed } = await answerQuiz(db, turn.user.id, lesson, choice, now());
    const verdict = correct
      ? `✅ **Đúng rồi!** ${lesson.quiz.explanation}`
      : `❌ **Chưa đúng.** Đáp án là: ${lesson.quiz.options[lesson.quiz.answer - 1]}. ${lesson.quiz.explanation}`;
    if (lesson.position >= lesson.total && completed) {
      const cert = await issueCertificate(db, turn.user.id, lesson.courseId, turn.user.displayName ?? 'Học viên Bình Dân', now());
      const verify = `${deps.publicBase ?? ''}/verify/${cert.code}`;
      return [
        reply(`${verdict}\n\n🎉 Chúc mừng bạn đã học xong khóa **${lesson.courseTitle}**! Gõ /tiendo để xem kết quả.`),
        {
          text: `🎓 Giấy chứng nhận của bạn — mã xác minh **${cert.code}**. Ai cũng kiểm tra được tại ${verify}`,
          image: { path: certificatePath(cert.code), alt: `Giấy chứng nhận ${lesson.courseTitle}` },
          choices: [coursesButton('📚 Học khóa khác')],
        },
      ];
    }
    return [
      reply(verdict, [
        { id: courseChoice.make({ course: lesson.courseId }), label: '➡️ Bài tiếp theo' },
        { id: laterChoice.make({}), label: '🌙 Để mai' },
      ]),
    ];
  };

  const report: Handler = async (turn) => {
    const p = await progress(db, turn.user.id, now());
    if (!p.courses.length)
      return [reply('Bạn chưa bắt đầu khóa học nào. Gõ /hoc để chọn một khóa nhé.', [coursesButton('📚 Xem các khóa học')])];
    const lines = p.courses.map(
      (c) => `${c.completed ? '🎓' : '📘'} **${c.title}**: ${c.done}/${c.total} bài · trả lời đúng ${c.correct}/${c.answered} câu`,
    );
    lines.push(p.streak > 0 ? `🔥 Chuỗi ngày học liên tiếp: ${p.streak} ngày` : '🔥 Học một bài hôm nay để bắt đầu chuỗi ngày học nhé!');
    return [reply(`**Tiến độ học của bạn**\n\n${lines.join('\n')}`)];
  };

  /** /dangky: pick a course, then an hour (buttons for common hours, or typed like "7h30"). */
  const { canPush } = deps;

  const subscribeStart: Handler = async (turn) => {
    if (!canPush(turn.inbound.channel)) {
      return [reply(pushElsewhere(deps.pushLinks?.() ?? {}), [coursesButton('📚 Xem các khóa học')])];
    }
    const typed = parseTimeOfDay(turn.command?.args ?? '');
    const list = await listCourses(db);
    if (!list.length) return [reply('Hiện chưa có khóa học nào để đăng ký.')];
    const current = await getSubscription(db, turn.user.id);
    if (typed && current) return confirm(turn, current.courseId, typed.hour, typed.minute);
    return [
      reply(
        '📅 **Nhận một bài học mỗi ngày**, vào giờ bạn chọn (giờ Việt Nam). Bạn muốn học khóa nào?',
        list.map((c) => ({ id: subscribeChoice.make({ course: c.id }), label: `📘 ${c.title}` })),
      ),
    ];
  };

  const HOURS: [number, number][] = [
    [6, 30],
    [7, 0],
    [8, 0],
    [12, 0],
    [18, 0],
    [20, 0],
  ];
  const pickHour = async (courseId: string): Promise<Reply[]> => {
    if (!(await listCourses(db)).some((c) => c.id === courseId)) return [reply(GONE_COURSE)];
    return [
      reply(
        'Bạn muốn nhận bài lúc mấy giờ? Chọn dưới đây, hoặc gõ giờ khác, ví dụ "7h30" hay "8 giờ tối".',
        HOURS.map(([h, m]) => ({
          id: subscribeAtChoice.make({ course: courseId, time: `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}` }),
          label: `⏰ ${formatTime(h, m)}`,
        })),
      ),
    ];
  };

  const confirm = async (turn: Turn, courseId: string, hour: number, minute: number): Promise<Reply[]> => {
    const course = (await listCourses(db)).find((c) => c.id === courseId);
    if (!course) return [reply('Khóa học này không còn nữa. Gõ /dangky để chọn khóa khác.')];
    await subscribe(db, turn.user.id, courseId, hour, minute, now());
    const night = hour >= 21 || hour < 7 ? ' (giờ này là buổi tối muộn/sáng sớm — bạn đã chọn nên mình vẫn gửi)' : '';
    return [
      reply(
        `✅ Đã đăng ký! Mỗi ngày lúc **${formatTime(hour, minute)}**${night}, mình gửi một bài của khóa **${course.title}**.\n` +
          'Muốn dừng: gõ /huy. Xem kết quả: /tiendo.',
      ),
    ];
  };

  const cancel: Handler = async (turn) => [
    reply(
      (await unsubscribe(db, turn.user.id))
        ? '🛑 Đã dừng gửi bài mỗi ngày. Khi nào muốn học tiếp, gõ /dangky nhé.'
        : 'Bạn chưa đăng ký nhận bài mỗi ngày. Gõ /dangky để đăng ký.',
    ),
  ];

  return {
    name: 'learn',
    commands: {
      hoc: { description: 'Học bài ngắn về kỹ năng số', run: courses },
      tiendo: { description: 'Xem tiến độ học', run: report },
      dangky: { description: 'Nhận một bài học mỗi ngày', run: subscribeStart },
      huy: { description: 'Dừng nhận bài mỗi ngày', run: cancel, hidden: true },
    },
    async screen(turn) {
      // A typed time right after the hour choices were shown ("7h30") picks that hour.
      const asked = turn.user.pending?.map((c) => subscribeAtChoice.parse(c.id)).find((a) => a !== undefined);
      const time = asked ? parseTimeOfDay(turn.text) : undefined;
      if (!asked || !time) return undefined;
      return { replies: await confirm(turn, asked.course, time.hour, time.minute), stop: true };
    },
    async observe(turn) {
      // any reply resumes lessons paused for inactivity; the next one comes at the usual hour
      await resumeIfPaused(db, turn.user.id, now());
    },
    phrases: Object.fromEntries([
      ...['học', 'bài học', 'khóa học', 'học bài', 'muốn học', 'học thêm'].map((p) => [p, courses]),
      ...['tiến độ', 'tiến độ học', 'kết quả học', 'xem tiến độ'].map((p) => [p, report]),
      ...['đăng ký học mỗi ngày', 'đăng ký nhận bài', 'nhận bài mỗi ngày', 'học mỗi ngày'].map((p) => [p, subscribeStart]),
      ...['dừng nhận bài', 'hủy đăng ký', 'không nhận bài nữa', 'dừng học'].map((p) => [p, cancel]),
    ]),
    choices: [
      on(courseChoice, (turn, { course }) => open(turn, course)),
      on(quizChoice, (turn, { course, lesson, option }) => judge(turn, course, lesson, option)),
      on(restartChoice, async (turn, { course }) => {
        if (!(await listCourses(db)).some((c) => c.id === course)) return [reply(GONE_COURSE)];
        await restart(db, turn.user.id, course);
        return open(turn, course);
      }),
      on(laterChoice, async () => [reply('🌙 Hẹn bạn ngày mai! Gõ /hoc bất cứ lúc nào để học tiếp.')]),
      on(coursesChoice, (turn) => courses(turn)),
      on(subscribeChoice, (_turn, { course }) => pickHour(course)),
      on(subscribeAtChoice, (turn, { course, time }) => confirm(turn, course, Number(time.slice(0, 2)), Number(time.slice(2)))),
    ],
  };
}
