import { createHash } from 'node:crypto';
import matter from 'gray-matter';
import { marked, type Tokens } from 'marked';
import { z } from 'zod';
import { FAQ_DEFAULT_CATEGORY, FAQ_HEADING, deriveTitle, parseFaqBody } from './faq.ts';
import { plain } from './markdown.ts';

/**
 * A knowledge entry: a vetted step-by-step guide (`knowledge/guides/<id>.md`) or an official question and answer
 * (`knowledge/faq/**\/<id>.md`, `kind: faq`).
 */
export interface Guide {
  kind: GuideKind;
  id: string;
  title: string;
  /** FAQ: the title was not written and was derived (first question, else the answer's first sentence). */
  titleDerived: boolean;
  category: string;
  sources: string[];
  /** YYYY-MM-DD */
  lastVerified: string;
  questions: string[];
  keywords: string[];
  related: string[];
  /** The one-line answer: the first paragraph of the body. */
  answer: string;
  steps: string[];
  notes: string[];
  warnings: string[];
  /** Every `##` section in order, steps included, as plain lines. */
  sections: GuideSection[];
  /** FAQ: the ministry or office that published the answer. */
  ministry?: string;
  /** FAQ: who it is for (Công dân, Doanh nghiệp…). Guides: []. */
  audience: string[];
  /** FAQ: the answer as phone screens (plain text with `**bold**`, ≤ 900 characters each). Guides: []. */
  pages: string[];
  file: string;
  contentHash: string;
}

export type GuideKind = 'guide' | 'faq';

export interface GuideSection {
  heading: string;
  lines: string[];
}

const CATEGORIES = ['vneid', 'dich-vu-cong', 'cai-cach', 'an-toan', 'ho-tro'] as const;
const STEPS_HEADING = 'Các bước';
const NOTES_HEADING = 'Lưu ý';
const WARNINGS_HEADING = 'Cảnh báo';

/** Limits that keep a guide readable on a phone screen. */
const LIMITS = { answerChars: 300, steps: 8, stepChars: 200, stepsTotalChars: 1000, minQuestions: 3 } as const;

const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const dateString = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(s))) {
    ctx.addIssue({ code: 'custom', message: 'must be a date written YYYY-MM-DD' });
    return z.NEVER;
  }
  return s;
});

const textList = (what: string) =>
  z.array(
    z
      .union([z.string(), z.number()], { message: `must be a list of ${what} (texts)` })
      .transform((v) => String(v).trim())
      .pipe(z.string().min(1, 'has an empty item')),
    { message: `must be a list of ${what}` },
  );

/** Keywords as a YAML list or one comma-separated text. */
const keywordList = () =>
  z
    .union([
      textList('keywords'),
      z.string().transform((s) =>
        s
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    ])
    .default([]);

const frontMatterSchema = z.object({
  id: z.string({ message: 'is missing' }).regex(ID_PATTERN, 'must be lower-case words joined by "-"'),
  title: z.string({ message: 'is missing' }).trim().min(3, 'is too short'),
  category: z.enum(CATEGORIES, { message: `must be one of ${CATEGORIES.join(', ')}` }),
  sources: z
    .array(
      z
        .string()
        .trim()
        .regex(/^https?:\/\/[^\s/]+\.[^\s]+$/, 'must be http(s) URLs'),
      { message: 'is missing (list the official URLs)' },
    )
    .min(1, 'is empty: a guide needs at least one official source'),
  last_verified: dateString,
  questions: textList('questions').min(LIMITS.minQuestions, `needs at least ${LIMITS.minQuestions} ways citizens ask it`),
  keywords: keywordList(),
  related: textList('guide ids').default([]),
});

/** `guide:<id>` (a button opening the entry) must fit in a 64-byte choice id. */
const FAQ_ID_CHARS = 58;
const URL_PATTERN = /^https?:\/\/[^\s/]+\.[^\s]+$/;

/** A required date for FAQ entries: missing, not a date and in the future are told apart. */
const requiredDate = z.unknown().transform((v, ctx) => {
  if (v === undefined || v === null || v === '') {
    ctx.addIssue({
      code: 'custom',
      message: 'is missing: write the day an editor last checked the answer against its source (YYYY-MM-DD)',
    });
    return z.NEVER;
  }
  const s = v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : String(v).trim();
  const parsed = new Date(`${s}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== s) {
    ctx.addIssue({ code: 'custom', message: `"${String(v instanceof Date ? s : v)}" must be a real date written YYYY-MM-DD` });
    return z.NEVER;
  }
  return s;
});

/** A list of texts or a single text. */
const textOrList = (what: string) => z.union([textList(what), z.string().transform((s) => (s.trim() ? [s.trim()] : []))]);

const faqFrontMatterSchema = z.object({
  id: z.string({ message: 'is missing' }).regex(ID_PATTERN, 'must be lower-case words joined by "-"'),
  title: z.string({ message: 'must be a text' }).trim().min(3, 'is too short').optional(),
  category: z.enum(CATEGORIES, { message: `must be one of ${CATEGORIES.join(', ')}` }).default(FAQ_DEFAULT_CATEGORY),
  questions: textOrList('questions').default([]),
  sources: z
    .union([z.string().transform((s) => [s]), z.array(z.string())], {
      message: 'is missing: an FAQ entry needs the http(s) address of the page its answer comes from',
    })
    .pipe(
      z
        .array(z.string().trim().regex(URL_PATTERN, 'must be http(s) URLs'))
        .min(1, 'is empty: an FAQ entry needs the http(s) address of the page its answer comes from'),
    ),
  last_verified: requiredDate,
  ministry: z
    .union([z.string(), z.number()], { message: 'must be a text' })
    .transform((v) => String(v).trim() || undefined)
    .optional(),
  audience: textOrList('audiences').default([]),
  keywords: keywordList(),
  related: textList('guide ids').default([]),
});

export class GuideError extends Error {
  constructor(
    readonly problems: string[],
    /** The id the front matter declares, when it could be read (for the duplicate check). */
    readonly id?: string,
  ) {
    super(problems.join('; '));
  }
}

/**
 * Parses one guide file. Throws a {@link GuideError} listing every problem found in it (the checker prints each as
 * `file: problem`); problems that need other guides (duplicate ids, broken `related`) are checked in `check.ts`.
 */
export function parseGuide(file: string, source: string, fileId: string, defaultKind: GuideKind = 'guide'): Guide {
  const problems: string[] = [];
  let fm: matter.GrayMatterFile<string>;
  try {
    fm = matter(source);
  } catch (err) {
    throw new GuideError([`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (Object.keys(fm.data).length === 0) throw new GuideError(['no front matter (the file must start with --- and the guide fields)']);
  const kind: unknown = fm.data.kind ?? defaultKind;
  if (kind === 'faq') return parseFaq(file, source, fm, fileId);
  if (kind !== 'guide')
    throw new GuideError(
      [`kind must be "guide" or "faq" (not "${String(kind)}")`],
      typeof fm.data.id === 'string' ? fm.data.id : undefined,
    );
  const parsed = frontMatterSchema.safeParse(fm.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0] ?? 'front matter')} ${issue.message}`);
  }
  const data = parsed.success ? parsed.data : undefined;
  if (data && data.id !== fileId) problems.push(`id "${data.id}" must equal the file name "${fileId}"`);
  if (data && data.last_verified > new Date().toISOString().slice(0, 10))
    problems.push(`last_verified ${data.last_verified} is in the future`);

  const body = parseBody(fm.content);
  problems.push(...body.problems);
  if (problems.length || !data) throw new GuideError(problems, typeof fm.data.id === 'string' ? fm.data.id : undefined);

  return {
    kind: 'guide',
    id: data.id,
    title: data.title,
    titleDerived: false,
    category: data.category,
    sources: data.sources,
    lastVerified: data.last_verified,
    questions: data.questions,
    keywords: data.keywords,
    related: data.related,
    answer: body.answer,
    steps: body.steps,
    notes: body.sections.find((s) => s.heading === NOTES_HEADING)?.lines ?? [],
    warnings: body.sections.find((s) => s.heading === WARNINGS_HEADING)?.lines ?? [],
    sections: body.sections,
    audience: [],
    pages: [],
    file,
    contentHash: createHash('sha256').update(source).digest('hex'),
  };
}

function parseBody(markdown: string): { answer: string; steps: string[]; sections: GuideSection[]; problems: string[] } {
  const problems: string[] = [];
  const tokens = marked.lexer(markdown);
  const sections: GuideSection[] = [];
  let answer = '';
  let steps: string[] | undefined;
  let current: GuideSection | undefined;
  for (const token of tokens) {
    if (token.type === 'heading') {
      current = { heading: plain(token.text), lines: [] };
      sections.push(current);
      continue;
    }
    if (!current) {
      if (token.type === 'paragraph' && !answer) answer = plain(token.text);
      continue;
    }
    if (token.type === 'list') {
      const list = token as Tokens.List;
      const items = list.items.map((item) => plain(item.text));
      current.lines.push(...items);
      if (current.heading === STEPS_HEADING && list.ordered && !steps) steps = items;
    } else if (token.type === 'paragraph' || token.type === 'text' || token.type === 'blockquote') {
      current.lines.push(plain((token as Tokens.Paragraph).text));
    }
  }
  if (!answer) problems.push('the body must start with a one-line answer (a paragraph before the first ## heading)');
  else if (answer.length > LIMITS.answerChars)
    problems.push(`the one-line answer has ${answer.length} characters (at most ${LIMITS.answerChars})`);
  if (!steps) problems.push(`no "## ${STEPS_HEADING}" section with a numbered list (1. 2. 3.)`);
  else {
    if (steps.length > LIMITS.steps) problems.push(`${steps.length} steps: longer than a phone screen (at most ${LIMITS.steps})`);
    steps.forEach((s, i) => {
      if (s.length > LIMITS.stepChars) problems.push(`step ${i + 1} has ${s.length} characters (at most ${LIMITS.stepChars})`);
    });
    const total = steps.reduce((n, s) => n + s.length, 0);
    if (total > LIMITS.stepsTotalChars)
      problems.push(`the steps have ${total} characters: longer than a phone screen (at most ${LIMITS.stepsTotalChars})`);
  }
  return { answer, steps: steps ?? [], sections, problems };
}

/** An FAQ entry: the front matter above, the official answer (any Markdown, any length) as the body. */
function parseFaq(file: string, source: string, fm: matter.GrayMatterFile<string>, fileId: string): Guide {
  const problems: string[] = [];
  const parsed = faqFrontMatterSchema.safeParse(fm.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0] ?? 'front matter')} ${issue.message}`);
  }
  const data = parsed.success ? parsed.data : undefined;
  if (data && data.id !== fileId) problems.push(`id "${data.id}" must equal the file name "${fileId}"`);
  if (data && data.id.length > FAQ_ID_CHARS)
    problems.push(`id has ${data.id.length} characters (at most ${FAQ_ID_CHARS}, so that a button naming it stays within 64 bytes)`);
  // YAML reads 2026-02-31 as a date and rolls it over to March: compare with what was written
  const written = /^last_verified:\s*["']?(\d{4}-\d{2}-\d{2})/m.exec(fm.matter)?.[1];
  if (data && written && written !== data.last_verified) problems.push(`last_verified "${written}" must be a real date written YYYY-MM-DD`);
  else if (data && data.last_verified > new Date().toISOString().slice(0, 10))
    problems.push(`last_verified ${data.last_verified} is in the future`);
  const body = parseFaqBody(fm.content);
  if (!body.answer) problems.push('the answer is empty: write the official answer below the front matter');
  if (problems.length || !data) throw new GuideError(problems, typeof fm.data.id === 'string' ? fm.data.id : undefined);

  const title = data.title ?? deriveTitle(data.questions, body.answer);
  return {
    kind: 'faq',
    id: data.id,
    title,
    titleDerived: data.title === undefined,
    category: data.category,
    sources: data.sources,
    lastVerified: data.last_verified,
    questions: data.questions,
    keywords: data.keywords,
    related: data.related,
    answer: body.answer,
    steps: [],
    notes: [],
    warnings: [],
    sections: [{ heading: FAQ_HEADING, lines: body.lines }],
    ...(data.ministry ? { ministry: data.ministry } : {}),
    audience: data.audience,
    pages: body.pages,
    file,
    contentHash: createHash('sha256').update('faq\n').update(source).digest('hex'),
  };
}
