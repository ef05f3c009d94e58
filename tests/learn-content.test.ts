import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadCourses } from '../src/learn/content.ts';
import { silentLogger } from '../src/log.ts';
import { KNOWLEDGE, testConfig } from './helpers/app.ts';

/** The shipped guides, and two courses: one whole (lessons 1 and 2), one with lesson 2 missing (lessons 1 and 3). */
const dir = mkdtempSync(join(tmpdir(), 'bd-courses-'));
cpSync(KNOWLEDGE, dir, { recursive: true });
rmSync(join(dir, 'lessons'), { recursive: true, force: true });

function writeCourse(id: string, title: string, order: number, positions: number[]): void {
  const folder = join(dir, 'lessons', id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'course.yaml'),
    `id: ${id}\ntitle: ${title}\ndescription: Một khóa ngắn.\naudience: mọi người\norder: ${order}\n`,
  );
  for (const n of positions) {
    writeFileSync(
      join(folder, `0${n}-bai-${n}.md`),
      `---\ntitle: Bài số ${n}\nguides: [vneid-cai-dat]\nquiz:\n  question: Cài VNeID ở đâu?\n` +
        '  options: [CH Play hoặc App Store, Link người lạ gửi]\n  answer: 1\n  explanation: Chỉ cài từ kho ứng dụng chính thức.\n' +
        '---\nChỉ cài VNeID từ CH Play hoặc App Store.\n',
    );
  }
}
writeCourse('khoa-tot', 'Khóa đầy đủ', 1, [1, 2]);
writeCourse('khoa-hong', 'Khóa thiếu bài', 2, [1, 3]);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a course with a problem', () => {
  it('is left out whole, the problem naming the file; the good course beside it is loaded', async () => {
    const { courses, problems } = await loadCourses(dir, new Set(['vneid-cai-dat']));
    expect(courses.map((c) => c.id)).toEqual(['khoa-tot']);
    expect(courses[0]!.lessons.map((l) => l.position)).toEqual([1, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toMatch(/lessons\/khoa-hong\/03-bai-3\.md$/);
    expect(problems[0]!.problem).toMatch(/numbered 1, 2, 3… without gaps \(expected 2\)/);
  });

  it('is not offered at start-up, which says it skipped it and names the file', async () => {
    const fixture = inject('fixtureDataDir');
    const progress: string[] = [];
    const app = await createApp(testConfig({ KNOWLEDGE_DIR: dir }), silentLogger, {
      memory: true,
      progress: (line) => progress.push(line),
      ...(fixture ? { loadDataDir: new Blob([await readFile(fixture)]) } : {}),
    });
    try {
      expect(progress.filter((l) => /skipped/.test(l))).toEqual([
        expect.stringMatching(/^course skipped: .*lessons\/khoa-hong\/03-bai-3\.md: lessons must be numbered/),
      ]);
      const stored = await app.db.query<{ id: string }>('select id from courses where not retired order by id');
      expect(stored.map((r) => r.id)).toEqual(['khoa-tot']);
      const [list] = await app.conversation.handle({ channel: 'web', userId: 'course-reader', kind: 'text', text: '/hoc' });
      expect(list!.text).toContain('Khóa đầy đủ');
      expect(list!.text).not.toContain('Khóa thiếu bài');
      expect((list!.choices ?? []).map((c) => c.id)).not.toContain('course:khoa-hong');
    } finally {
      await app.close();
    }
  });
});
