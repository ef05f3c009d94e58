import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import matter from 'gray-matter';
import { parse } from 'yaml';
import { z } from 'zod';

/** Something wrong in a course file, reported as `file: problem` (like the guides' problems). */
export interface Problem {
  file: string;
  problem: string;
}

/** A short course: a folder `knowledge/lessons/<id>/` with `course.yaml` and numbered lesson files. */
export interface Course {
  id: string;
  title: string;
  description: string;
  audience: string;
  order: number;
  lessons: Lesson[];
}

export interface Lesson {
  /** 1-based position in the course (from the file name's number). */
  position: number;
  title: string;
  body: string;
  image?: string;
  guides: string[];
  quiz: { question: string; options: string[]; answer: number; explanation: string };
  file: string;
}

/** One phone screen; Zalo's hard limit is 2,000 characters for the whole message. */
const LESSON_LIMITS = {
  bodyChars: 900,
  messageChars: 1500,
  /** With a picture the card is its caption: Telegram allows 1,024 characters there. */
  captionChars: 1000,
  imageBytes: 1_000_000,
  options: [2, 4] as const,
  lessons: [1, 12] as const,
} as const;

/** A lesson picture: a PNG or JPEG file in the course folder, named plainly. */
export const LESSON_IMAGE = /^[a-z0-9][a-z0-9._-]*\.(png|jpe?g)$/;

const courseSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by "-"'),
  title: z.string().trim().min(3),
  description: z.string().trim().min(3),
  audience: z.string().trim().min(2),
  order: z.number().int(),
});

const lessonSchema = z.object({
  title: z.string().trim().min(3),
  image: z.string().trim().optional(),
  guides: z.array(z.string().trim()).default([]),
  quiz: z.object({
    question: z.string().trim().min(3),
    options: z
      .array(z.union([z.string(), z.number()]).transform(String))
      .min(LESSON_LIMITS.options[0], 'needs 2–4 options')
      .max(LESSON_LIMITS.options[1], 'needs 2–4 options'),
    answer: z.number().int(),
    explanation: z.string().trim().min(3),
  }),
});

/**
 * Reads every course under `knowledge/lessons/`. Every problem is reported as `file: problem` (like the guides'), and
 * a course with any problem — in its `course.yaml` or in any lesson, a gap in the numbering included — is left out
 * whole: a course missing a lesson would end early or skip a step. `guideIds` are the existing guides, for checking
 * the links.
 */
export async function loadCourses(
  knowledgeDir: string,
  guideIds: ReadonlySet<string>,
): Promise<{ courses: Course[]; problems: Problem[] }> {
  const root = join(knowledgeDir, 'lessons');
  const shown = (p: string) => relative(process.cwd(), p) || p;
  const problems: Problem[] = [];
  const courses: Course[] = [];
  let folders: string[];
  try {
    folders = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return { courses, problems };
  }
  for (const folder of folders) {
    const before = problems.length;
    const dir = join(root, folder);
    const manifest = join(dir, 'course.yaml');
    let meta: z.infer<typeof courseSchema>;
    try {
      const parsed = courseSchema.safeParse(parse(await readFile(manifest, 'utf8')));
      if (!parsed.success) {
        for (const i of parsed.error.issues)
          problems.push({ file: shown(manifest), problem: `${String(i.path[0] ?? 'course')} ${i.message}` });
        continue;
      }
      meta = parsed.data;
    } catch (err) {
      problems.push({ file: shown(manifest), problem: `missing or not valid YAML: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    if (meta.id !== folder) problems.push({ file: shown(manifest), problem: `id "${meta.id}" must equal the folder name "${folder}"` });
    const lessons: Lesson[] = [];
    const files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort();
    for (const name of files) {
      const file = join(dir, name);
      const position = Number.parseInt(name, 10);
      const fail = (problem: string) => problems.push({ file: shown(file), problem });
      if (!Number.isInteger(position) || position < 1) {
        fail('the file name must start with its number, e.g. 01-cai-dat.md');
        continue;
      }
      let fm: matter.GrayMatterFile<string>;
      try {
        fm = matter(await readFile(file, 'utf8'));
      } catch (err) {
        fail(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      const parsed = lessonSchema.safeParse(fm.data);
      if (!parsed.success) {
        for (const i of parsed.error.issues) fail(`${i.path.map(String).join('.')} ${i.message}`);
        continue;
      }
      const { quiz, guides, title, image } = parsed.data;
      const body = fm.content.trim();
      const lessonBefore = problems.length;
      if (!body) fail('the lesson has no text');
      if (body.length > LESSON_LIMITS.bodyChars)
        fail(`the lesson has ${body.length} characters: longer than a phone screen (at most ${LESSON_LIMITS.bodyChars})`);
      const card = title.length + body.length + quiz.question.length + quiz.options.reduce((n, o) => n + o.length + 6, 0) + 80;
      if (card > LESSON_LIMITS.messageChars)
        fail(`lesson and quiz make a ${card}-character message: more than ${LESSON_LIMITS.messageChars} (shorten the text or the options)`);
      if (image) {
        const size = LESSON_IMAGE.test(image)
          ? await stat(join(dir, image)).then(
              (st) => st.size,
              () => -1,
            )
          : -2;
        if (size === -2) fail(`image "${image}" must be a .png or .jpg file name in the course folder (lower-case letters, digits, "-")`);
        else if (size === -1) fail(`image "${image}" is not in ${shown(dir)}`);
        else if (size > LESSON_LIMITS.imageBytes)
          fail(
            `image "${image}" is ${Math.round(size / 1000)} kB: at most ${LESSON_LIMITS.imageBytes / 1000} kB (phones on slow networks)`,
          );
        if (card > LESSON_LIMITS.captionChars)
          fail(`a lesson with a picture is sent as its caption: ${card} characters, at most ${LESSON_LIMITS.captionChars}`);
      }
      if (quiz.answer < 1 || quiz.answer > quiz.options.length)
        fail(`quiz.answer ${quiz.answer} is not one of the options (1–${quiz.options.length})`);
      for (const g of guides) if (!guideIds.has(g)) fail(`guides "${g}" is not a guide id`);
      if (lessons.some((l) => l.position === position)) fail(`two lessons have number ${position}`);
      if (problems.length > lessonBefore) continue;
      lessons.push({ position, title, body, ...(image ? { image } : {}), guides, quiz, file: shown(file) });
    }
    if (!lessons.length && problems.length === before) problems.push({ file: shown(dir), problem: 'a course needs at least one lesson' });
    lessons.sort((a, b) => a.position - b.position);
    lessons.forEach((l, i) => {
      if (l.position !== i + 1)
        problems.push({ file: l.file, problem: `lessons must be numbered 1, 2, 3… without gaps (expected ${i + 1})` });
    });
    if (problems.length === before) courses.push({ ...meta, lessons });
  }
  return { courses: courses.sort((a, b) => a.order - b.order), problems };
}

export function courseHash(course: Course): string {
  return createHash('sha256').update(JSON.stringify(course)).digest('hex');
}
