import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { fold } from '../text/normalize.ts';

/**
 * `cli knowledge import-faq FILE`: an official Q&A export (CSV or JSONL, e.g. the portal's `cauHoi`, `cauTraLoi`,
 * `link`, `boNganh`, `phanLoai`) → one `knowledge/faq/<id>.md` per row. Ids come from the question, so a second run
 * writes the same files; a file whose content would not change is left alone.
 */

/** Default column names, first found wins (compared without case). */
const DEFAULT_COLUMNS = {
  question: ['cauHoi', 'question', 'q'],
  answer: ['cauTraLoi', 'answer', 'a'],
  source: ['link', 'url', 'source'],
  ministry: ['boNganh', 'ministry'],
  audience: ['phanLoai', 'audience'],
} as const;

type Field = keyof typeof DEFAULT_COLUMNS;

export interface ImportFaqOptions {
  file: string;
  outDir: string;
  columns?: Partial<Record<Field, string>>;
  /** Source URL for rows without one. */
  source?: string;
  /** last_verified of every file written (default: kept from an existing file, else today). */
  lastVerified?: string;
  /** First word of every id (default `faq`). */
  idPrefix?: string;
  /** Today as YYYY-MM-DD (tests). */
  today?: string;
}

export interface ImportFaqResult {
  written: number;
  unchanged: number;
  skipped: { line: number; reason: string }[];
  /** Every file written or left unchanged, in input order. */
  files: string[];
}

/** The file cannot be imported at all (unreadable, no question/answer column, bad option). */
export class ImportFaqError extends Error {}

interface Row {
  line: number;
  values: Record<string, unknown>;
}

const ID_PREFIX = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const URL = /https?:\/\/[^\s<>"'\])]+/g;

export async function importFaq(options: ImportFaqOptions): Promise<ImportFaqResult> {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const prefix = options.idPrefix ?? 'faq';
  if (!ID_PREFIX.test(prefix)) throw new ImportFaqError(`--id-prefix "${prefix}" must be lower-case letters and digits joined by "-"`);
  if (options.lastVerified !== undefined && !isPastDate(options.lastVerified, today)) {
    throw new ImportFaqError(`--last-verified "${options.lastVerified}" must be a date written YYYY-MM-DD, not in the future`);
  }
  if (options.source !== undefined && !/^https?:\/\/[^\s/]+\.\S+$/.test(options.source))
    throw new ImportFaqError(`--source "${options.source}" must be an http(s) URL`);

  let text: string;
  try {
    text = (await readFile(options.file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new ImportFaqError(`cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { rows, columns, skipped } = readRows(options.file, text);
  const column = resolveColumns(columns, options.columns ?? {}, options.source !== undefined);

  const result: ImportFaqResult = { written: 0, unchanged: 0, skipped, files: [] };
  const seen = new Map<string, number>();
  await mkdir(options.outDir, { recursive: true });
  for (const row of rows) {
    const get = (f: Field) => (column[f] ? row.values[column[f]] : undefined);
    const question = oneLine(asText(get('question')));
    const answer = answerMarkdown(asText(get('answer')));
    const folded = fold(question);
    if (!folded) {
      result.skipped.push({ line: row.line, reason: 'empty question' });
      continue;
    }
    if (!answer) {
      result.skipped.push({ line: row.line, reason: 'empty answer' });
      continue;
    }
    const rawSource = asText(get('source'));
    const sources = rawSource ? [...new Set(rawSource.match(URL) ?? [])] : options.source ? [options.source] : [];
    if (!sources.length) {
      result.skipped.push({
        line: row.line,
        reason: rawSource ? `source "${rawSource.slice(0, 60)}" is not an http(s) URL` : 'no source (no link in the row and no --source)',
      });
      continue;
    }
    const first = seen.get(folded);
    if (first !== undefined) {
      result.skipped.push({ line: row.line, reason: `duplicate question (same as line ${first})` });
      continue;
    }
    seen.set(folded, row.line);

    const id = faqId(question, prefix);
    const path = join(options.outDir, `${id}.md`);
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    const lastVerified = options.lastVerified ?? (existing && /^last_verified:\s*['"]?(\d{4}-\d{2}-\d{2})/m.exec(existing)?.[1]) ?? today;
    const ministry = oneLine(asText(get('ministry')));
    const audience = audienceList(get('audience'));
    const front: Record<string, unknown> = {
      kind: 'faq',
      id,
      title: question,
      questions: [question],
      sources,
      last_verified: lastVerified,
    };
    if (ministry) front.ministry = ministry;
    if (audience.length) front.audience = audience;
    const content = `---\n${stringify(front, { lineWidth: 0 })}---\n${answer}\n`;
    result.files.push(path);
    if (existing === content) {
      result.unchanged++;
      continue;
    }
    await writeFile(path, content);
    result.written++;
  }
  result.skipped.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * `faq-` + the first words of the folded question (at most 6, at most 36 characters) + 6 hex characters of the
 * sha256 of the folded question: stable across runs, readable, short enough for a choice id.
 */
export function faqId(question: string, prefix = 'faq'): string {
  const folded = fold(question);
  let slug = '';
  for (const word of folded.split(' ').slice(0, 6)) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > 36) break;
    slug = next;
  }
  if (!slug) slug = folded.slice(0, 36).replace(/ /g, '-').replace(/-+$/, '');
  const hash = createHash('sha256').update(folded).digest('hex').slice(0, 6);
  return `${prefix}-${slug}-${hash}`;
}

function readRows(file: string, text: string): { rows: Row[]; columns: string[]; skipped: { line: number; reason: string }[] } {
  const ext = extname(file).toLowerCase();
  const start = text.trimStart()[0];
  const json = ext === '.jsonl' || ext === '.json' || (ext !== '.csv' && (start === '{' || start === '['));
  return json ? readJson(file, text) : readCsv(file, text);
}

function readJson(file: string, text: string) {
  const rows: Row[] = [];
  const skipped: { line: number; reason: string }[] = [];
  if (text.trimStart().startsWith('[')) {
    // a JSON array: "line" is the item's position
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (err) {
      throw new ImportFaqError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    (items as unknown[]).forEach((item, i) => {
      if (item && typeof item === 'object' && !Array.isArray(item)) rows.push({ line: i + 1, values: item as Record<string, unknown> });
      else skipped.push({ line: i + 1, reason: 'not a JSON object' });
    });
  } else {
    text.split('\n').forEach((raw, i) => {
      if (!raw.trim()) return;
      try {
        const value: unknown = JSON.parse(raw);
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
        rows.push({ line: i + 1, values: value as Record<string, unknown> });
      } catch {
        skipped.push({ line: i + 1, reason: 'not a JSON object' });
      }
    });
  }
  if (!rows.length && skipped.length)
    throw new ImportFaqError(`${file}: no line is a JSON object (expected JSONL: one {"cauHoi": …, "cauTraLoi": …} per line)`);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  return { rows, columns, skipped };
}

function readCsv(file: string, text: string) {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [',', ';', '\t'].map((d) => ({ d, n: header.split(d).length })).sort((a, b) => b.n - a.n)[0]!.d;
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      columns: true,
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
      trim: false,
    });
  } catch (err) {
    throw new ImportFaqError(`${file} is not a readable CSV file: ${(err as Error).message}`);
  }
  const columns = header ? ((parseCsv(header, { delimiter, relax_quotes: true }) as string[][])[0] ?? []) : [];
  // csv-parse tells the line a record ends on; it starts after the previous one's end (blank lines aside)
  const rows: Row[] = [];
  let previousEnd = 1;
  const lines = text.split('\n');
  for (const { record, info } of records) {
    let line = previousEnd + 1;
    while (line < info.lines && !lines[line - 1]?.trim()) line++;
    rows.push({ line, values: record });
    previousEnd = info.lines;
  }
  return { rows, columns: columns.map((c) => c.trim()), skipped: [] };
}

function resolveColumns(found: string[], chosen: Partial<Record<Field, string>>, haveSource: boolean): Partial<Record<Field, string>> {
  const byLower = new Map(found.map((c) => [c.toLowerCase(), c]));
  const list = found.length ? found.map((c) => `"${c}"`).join(', ') : 'none';
  const out: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(DEFAULT_COLUMNS) as Field[]) {
    const wanted = chosen[field];
    if (wanted !== undefined) {
      const name = byLower.get(wanted.toLowerCase());
      if (!name) throw new ImportFaqError(`no column "${wanted}" (--${field}-column); the file has: ${list}`);
      out[field] = name;
      continue;
    }
    const name = DEFAULT_COLUMNS[field].map((c) => byLower.get(c.toLowerCase())).find(Boolean);
    if (name) out[field] = name;
  }
  for (const field of ['question', 'answer', ...(haveSource ? [] : ['source'])] as Field[]) {
    if (!out[field]) {
      const hint = field === 'source' ? ' or give --source URL' : '';
      throw new ImportFaqError(
        `no ${field} column (${DEFAULT_COLUMNS[field].join(', ')}; or --${field}-column NAME${hint}); the file has: ${list}`,
      );
    }
  }
  return out;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(asText).filter(Boolean).join(', ');
  return String(v).trim();
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** `['Công dân', 'Doanh nghiệp']`, `["a","b"]`, `a, b`, a JSON list or one text → a list; `[]` → none. */
export function audienceList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => oneLine(asText(x))).filter(Boolean);
  let s = asText(v);
  if (!s) return [];
  if (s.startsWith('[') && s.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return audienceList(parsed);
    } catch {
      // a Python-style list: single quotes
    }
    s = s.slice(1, -1);
    const items = [...s.matchAll(/\s*(?:'([^']*)'|"([^"]*)"|([^,]+))/g)].map((m) => oneLine(m[1] ?? m[2] ?? m[3] ?? ''));
    return items.filter(Boolean);
  }
  return s.split(/[,;]/).map(oneLine).filter(Boolean);
}

/**
 * The answer as Markdown: HTML exports turned into text (paragraphs, line breaks, list items, entities), and each
 * line of the official answer its own paragraph (list items stay one list).
 */
function answerMarkdown(raw: string): string {
  let s = raw.replace(/\r\n?/g, '\n');
  if (/<\/?(p|br|div|li|ul|ol|b|strong|i|em|span|a)\b[^>]*>/i.test(s)) {
    s = s
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|ul|ol|h\d)>/gi, '\n\n')
      .replace(/<li[^>]*>/gi, '\n- ')
      .replace(/<\/?(b|strong)>/gi, '**')
      .replace(/<a\s[^>]*href="([^"]+)"[^>]*>([^<]*)<\/a>/gi, '$2 ($1)')
      .replace(/<[^>]+>/g, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
      .replace(/&amp;/g, '&');
  }
  const lines = s
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/g, '').replace(/^[ \t]+/, ''))
    .filter((l) => l.trim());
  const item = /^([-*+•]|\d+[.)])\s/;
  let out = '';
  lines.forEach((line, i) => {
    const text = line.replace(/^•\s/, '- ');
    if (i > 0) out += item.test(text) && item.test(lines[i - 1]!.replace(/^•\s/, '- ')) ? '\n' : '\n\n';
    out += text;
  });
  return out.trim();
}

function isPastDate(s: string, today: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && s <= today;
}

/** The summary the command prints. */
export function importSummary(r: ImportFaqResult): string {
  return [
    `written ${r.written}, unchanged ${r.unchanged}, skipped ${r.skipped.length}`,
    ...r.skipped.map((s) => `line ${s.line}: ${s.reason}`),
  ].join('\n');
}
