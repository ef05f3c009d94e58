import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import type { Reply } from '../src/core/message.ts';
import { loadCourses } from '../src/learn/content.ts';
import { streakOf } from '../src/learn/store.ts';
import { silentLogger } from '../src/log.ts';
import { KNOWLEDGE, testConfig } from './helpers/app.ts';

/** The shipped knowledge plus a small, fixed two-lesson course, so the flow is tested whatever the real courses say. */
const dir = mkdtempSync(join(tmpdir(), 'bd-learn-'));
cpSync(KNOWLEDGE, dir, { recursive: true });
rmSync(join(dir, 'lessons'), { recursive: true, force: true });
const course = join(dir, 'lessons', 'thu-nghiem');
mkdirSync(course, { recursive: true });
writeFileSync(
  join(course, 'course.yaml'),
  'id: thu-nghiem\ntitle: Khóa thử nghiệm\ndescription: Hai bài ngắn.\naudience: mọi người\norder: 1\n',
);
const lesson = (title: string, answer: number) =>
  `---\ntitle: ${title}\nguides: [vneid-cai-dat]\nquiz:\n  question: VNeID thật tải ở đâu?\n` +
  '  options:\n    - Link người lạ gửi\n    - CH Play hoặc App Store\n    - Tệp APK\n' +
  `  answer: ${answer}\n  explanation: Chỉ cài từ kho ứng dụng chính thức.\n---\nChỉ cài VNeID từ CH Play hoặc App Store.\n`;
writeFileSync(join(course, '01-cai-dat.md'), lesson('Cài đúng ứng dụng', 2));
writeFileSync(join(course, '02-on-tap.md'), lesson('Ôn tập', 2));

let app: App;
beforeAll(async () => {
  app = await createApp(testConfig({ KNOWLEDGE_DIR: dir }), silentLogger, { memory: true, progress: () => {} });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

let learners = 0;
/** A new learner on the web chat: each test has its own, so tests run in any order. */
function learner() {
  const user = `learner-${++learners}`;
  return {
    user,
    say: (text: string) => app.conversation.handle({ channel: 'web', userId: user, kind: 'text', text }),
    press: (choice: string) => app.conversation.handle({ channel: 'web', userId: user, kind: 'choice', choice }),
  };
}
const ids = (r: Reply | undefined) => (r?.choices ?? []).map((c) => c.id);

/** Takes a new learner through the two-lesson course (right answers); returns them and their certificate code. */
async function finishCourse() {
  const l = learner();
  await l.say('/hoc');
  let certificate: Reply | undefined;
  for (const position of [1, 2]) {
    const [lesson] = await l.press('course:thu-nghiem');
    expect(lesson!.text).toMatch(new RegExp(`Bài ${position}/2`));
    [, certificate] = await l.press(`quiz:thu-nghiem:${position}:2`);
  }
  return { ...l, code: /\*\*([A-Z0-9]{8})\*\*/.exec(certificate!.text)![1]! };
}

describe('learn: a whole course in the chat', () => {
  it('lists courses, teaches each lesson with its quiz, judges right and wrong, completes, reports progress', async () => {
    const { say, press } = learner();
    const [list] = await say('/hoc');
    expect(list!.text).toContain('Khóa thử nghiệm');
    expect(ids(list)).toContain('course:thu-nghiem');

    const [lesson, ...more] = await press('course:thu-nghiem');
    expect(more).toEqual([]); // one message: the card ends with its quiz
    expect(lesson!.text).toMatch(/Bài 1\/2[\s\S]*\n\n❓ VNeID thật tải ở đâu/);
    expect(ids(lesson)).toEqual(['quiz:thu-nghiem:1:1', 'quiz:thu-nghiem:1:2', 'quiz:thu-nghiem:1:3']);

    const [wrong] = await press('quiz:thu-nghiem:1:1');
    expect(wrong!.text).toMatch(/Chưa đúng.*CH Play hoặc App Store/s);
    expect(ids(wrong)).toEqual(['course:thu-nghiem', 'later']);

    // "Bài tiếp theo" resumes at lesson 2; typing the number works as on Zalo
    const [lesson2] = await press('course:thu-nghiem');
    expect(lesson2!.text).toMatch(/Bài 2\/2[\s\S]*❓/);
    const [right, certificate] = await say('2');
    expect(right!.text).toMatch(/Đúng rồi!/);
    expect(right!.text).toMatch(/học xong khóa/);
    expect(certificate!.text).toMatch(/Giấy chứng nhận của bạn — mã xác minh \*\*[A-Z0-9]{8}\*\*/);
    expect(certificate!.image!.path).toMatch(/^\/certificates\/[A-Z0-9]{8}\.png$/);

    const [report] = await say('/tiendo');
    expect(report!.text).toMatch(/Khóa thử nghiệm\*\*: 2\/2 bài · trả lời đúng 1\/2 câu/);
    expect(report!.text).toMatch(/Chuỗi ngày học liên tiếp: 1 ngày/);
  });

  it('offers to start again once a course is done', async () => {
    const { press } = await finishCourse();
    const [done] = await press('course:thu-nghiem');
    expect(done!.text).toMatch(/đã học xong/);
    expect(ids(done)).toContain('restart:thu-nghiem');
    const [again] = await press('restart:thu-nghiem');
    expect(again!.text).toMatch(/Bài 1\/2/);
  });
});

describe('certificates', () => {
  it('are served as PNG and can be verified by code over HTTP', async () => {
    const { code } = await finishCourse();
    const { createServer } = await import('../src/http/server.ts');
    const server = await createServer(app);
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const png = await fetch(`${base}/certificates/${code}.png`);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await png.arrayBuffer());
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect(bytes.length).toBeGreaterThan(10_000);
      // rendered once and stored: the stored bytes are what the next request gets, with caching headers
      const [stored] = await app.db.query<{ png: Uint8Array }>('select png from certificates where code = $1', [code]);
      expect(Buffer.from(stored!.png).equals(bytes)).toBe(true);
      const again = await fetch(`${base}/certificates/${code}.png`);
      expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
      expect(again.headers.get('cache-control')).toMatch(/max-age=\d+/);
      const page = await fetch(`${base}/verify/${code.toLowerCase()}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/là thật.*Khóa thử nghiệm/s);
      expect((await fetch(`${base}/verify/KHONGCO99`)).status).toBe(404);
      expect((await fetch(`${base}/certificates/KHONGCO99.png`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
  it('are issued once per course', async () => {
    const { user, code, press } = await finishCourse();
    // the course done again from the start: the same certificate
    await press('course:thu-nghiem');
    await press('restart:thu-nghiem');
    await press('quiz:thu-nghiem:1:2');
    await press('course:thu-nghiem');
    const [, again] = await press('quiz:thu-nghiem:2:2');
    expect(again!.text).toContain(code);
    const rows = await app.db.query(`select c.code from certificates c join users u on u.id = c.user_id where u.external_id = $1`, [user]);
    expect(rows).toHaveLength(1);
  });
});

describe('daily lessons where nothing can be pushed', () => {
  it('says honestly that the web chat cannot receive daily lessons', async () => {
    const [r] = await learner().say('/dangky');
    expect(r!.text).toMatch(/Telegram.*Zalo/);
  });
});

describe('lesson checks', () => {
  it('reports bad quizzes, long bodies and broken guide links as file: problem', async () => {
    writeFileSync(
      join(course, '03-sai.md'),
      `---\ntitle: Sai\nguides: [khong-co]\nquiz:\n  question: Hỏi gì?\n  options: [A, B]\n` +
        `  answer: 3\n  explanation: Vì vậy.\n---\n${'x'.repeat(950)}\n`,
    );
    const { problems } = await loadCourses(dir, new Set(['vneid-cai-dat']));
    const text = problems.map((p) => `${p.file}: ${p.problem}`).join('\n');
    expect(text).toMatch(/03-sai\.md: the lesson has 950 characters/);
    expect(text).toMatch(/03-sai\.md: quiz\.answer 3 is not one of the options/);
    expect(text).toMatch(/03-sai\.md: guides "khong-co" is not a guide id/);
    rmSync(join(course, '03-sai.md'));

    const withImage = (image: string) => lesson('Có hình', 2).replace('title: Có hình', `title: Có hình\nimage: ${image}`);
    writeFileSync(join(course, '03-hinh.md'), withImage('khong-co.png'));
    writeFileSync(join(course, '04-hinh.md'), withImage('../../package.json'));
    const pictures = (await loadCourses(dir, new Set(['vneid-cai-dat']))).problems.map((p) => `${p.file}: ${p.problem}`).join('\n');
    expect(pictures).toMatch(/03-hinh\.md: image "khong-co\.png" is not in/);
    expect(pictures).toMatch(/04-hinh\.md: image "\.\.\/\.\.\/package\.json" must be a \.png or \.jpg file name/);
    rmSync(join(course, '03-hinh.md'));
    rmSync(join(course, '04-hinh.md'));
  });

  it('counts a streak of days in a row ending today or yesterday', () => {
    expect(streakOf(['2026-11-23', '2026-11-22', '2026-11-20'], '2026-11-23')).toBe(2);
    expect(streakOf(['2026-11-22', '2026-11-21'], '2026-11-23')).toBe(2);
    expect(streakOf(['2026-11-20'], '2026-11-23')).toBe(0);
    expect(streakOf([], '2026-11-23')).toBe(0);
  });
});
