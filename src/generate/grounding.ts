import { fold } from '../text/normalize.ts';

/**
 * The grounding check: every checkable fact in a generated answer — phone numbers and other numbers of three digits
 * or more, amounts and fees, "free" claims, dates, web addresses, app menu labels — must appear in the guide text
 * the model was given. One that does not is a violation, and the caller sends the vetted guide instead.
 *
 * Comparison is after normalisation: digits without their spaces, dots and dashes ("1900 0368" = "1900.0368"),
 * amounts by value and unit ("50.000 đ" = "50000 đồng"), dates by day/month/year ("ngày 1 tháng 7" = "01/07"),
 * addresses without scheme, "www." and trailing slash, labels folded (no diacritics, no punctuation).
 */

/** A fact of the answer that the sources do not have. */
export interface Violation {
  kind: 'phone' | 'number' | 'amount' | 'free' | 'date' | 'url' | 'label';
  /** The text of the answer that is not in the sources. */
  value: string;
}

/** Digit runs with their separators ("0912 345 678", "500.000"); not inside words or placeholders like [SĐT_1]. */
const DIGIT_RUN = /(?<![\p{L}\d_])\+?\d(?:[ .,-]?\d)*(?![\p{L}\d])/gu;
const AMOUNT = /(?<![\p{L}\d])(\d+(?:[.,]\d+)*)\s*(đồng|đ|vnđ|vnd|nghìn|ngàn|ngan|nghin|triệu|trieu|tỷ|tỉ|ty|k|%)(?![\p{L}\d])/giu;
const FREE = ['mien phi', 'free', 'khong mat phi', 'khong ton phi', 'khong thu phi', 'khong mat tien', 'khong ton tien', 'free of charge'];
const SLASH_DATE = /(?<![\d/])(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}|\d{2}))?(?![\d/])/g;
const WORD_DATE = /\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?/g;
const URL_TLDS = 'vn|com|net|org|gov|edu|info|io|app|me|xyz|top|site|online|link|ly|co|cc|tk|ml|apk';
const URL = new RegExp(String.raw`(?:https?:\/\/)?(?:[a-z0-9-]+\.)+(?:${URL_TLDS})(?::\d+)?(?:\/[^\s)\]"'”>,]*)?`, 'gi');
const LABEL = /\*\*(.+?)\*\*|["“«]([^"”»\n]{2,80})["”»]/gs;

/** The violations of `answer` against `sources`; `question` also counts as a source for quoted words. */
export function checkGrounding(answer: string, sources: string, question = ''): Violation[] {
  const out: Violation[] = [];
  const add = (v: Violation) => {
    if (!out.some((o) => o.kind === v.kind && o.value === v.value)) out.push(v);
  };

  const sourceAmounts = new Set(amounts(sources).map((a) => a.key));
  for (const a of amounts(answer)) if (!sourceAmounts.has(a.key)) add({ kind: 'amount', value: a.text });

  const sourceDates = new Set(dates(sources).flatMap((d) => [d.key, d.short]));
  for (const d of dates(answer)) if (!sourceDates.has(d.key)) add({ kind: 'date', value: d.text });

  const sourceNumbers = numbers(sources);
  const known = new Set(sourceNumbers.flatMap((n) => [n.digits, ...n.groups]));
  const inDates = new Set(dates(answer).flatMap((d) => d.parts));
  for (const n of numbers(answer)) {
    if (n.digits.length < 3 || known.has(n.digits) || inDates.has(n.digits)) continue;
    add({ kind: looksLikePhone(n.digits) ? 'phone' : 'number', value: n.text });
  }

  const foldedSources = ` ${fold(sources)} `;
  const foldedAnswer = ` ${fold(answer)} `;
  if (FREE.some((f) => foldedAnswer.includes(` ${f} `)) && !FREE.some((f) => foldedSources.includes(` ${f} `))) {
    add({ kind: 'free', value: FREE.find((f) => foldedAnswer.includes(` ${f} `))! });
  }

  const sourceUrls = urlText(sources);
  for (const url of answer.match(URL) ?? []) {
    const u = normalUrl(url);
    if (u && !new RegExp(`(?<![a-z0-9.-])${escape(u)}(?![a-z0-9-])`).test(sourceUrls)) add({ kind: 'url', value: url });
  }

  const labelSources = `${foldedSources}${fold(question)} `;
  for (const m of answer.matchAll(LABEL)) {
    const label = (m[1] ?? m[2] ?? '').trim();
    const folded = fold(label);
    if (folded && !labelSources.includes(` ${folded} `)) add({ kind: 'label', value: label });
  }
  return out;
}

function numbers(text: string): { text: string; digits: string; groups: string[] }[] {
  return [...text.matchAll(DIGIT_RUN)].map((m) => ({
    text: m[0],
    digits: m[0].replace(/\D/g, ''),
    groups: m[0]
      .split(/[ .,-]/)
      .map((g) => g.replace(/\D/g, ''))
      .filter(Boolean),
  }));
}

function looksLikePhone(digits: string): boolean {
  return /^(0|84|1800|1900|11[345]$)/.test(digits) || digits.length >= 8;
}

const UNIT: Record<string, string> = {
  đồng: 'd',
  đ: 'd',
  vnđ: 'd',
  vnd: 'd',
  nghìn: 'k',
  ngàn: 'k',
  ngan: 'k',
  nghin: 'k',
  k: 'k',
  triệu: 'm',
  trieu: 'm',
  tỷ: 'b',
  tỉ: 'b',
  ty: 'b',
  '%': '%',
};

function amounts(text: string): { text: string; key: string }[] {
  return [...text.matchAll(AMOUNT)].map((m) => {
    const raw = m[1]!;
    const value = /^\d{1,3}(?:[.,]\d{3})+$/.test(raw) ? raw.replace(/[.,]/g, '') : raw.replace(',', '.');
    return { text: m[0], key: `${Number(value)}${UNIT[m[2]!.toLowerCase()] ?? m[2]}` };
  });
}

function dates(text: string): { text: string; key: string; short: string; parts: string[] }[] {
  const out: { text: string; key: string; short: string; parts: string[] }[] = [];
  const push = (whole: string, d: string, m: string, y?: string) => {
    if (Number(d) < 1 || Number(d) > 31 || Number(m) < 1 || Number(m) > 12) return;
    const year = y ? (y.length === 2 ? `20${y}` : y) : undefined;
    const short = `${Number(d)}/${Number(m)}`;
    out.push({ text: whole, key: year ? `${short}/${year}` : short, short, parts: [d, m, y ?? ''].filter(Boolean) });
  };
  for (const m of text.matchAll(SLASH_DATE)) push(m[0], m[1]!, m[2]!, m[3]);
  for (const m of fold(text).matchAll(WORD_DATE)) push(m[0], m[1]!, m[2]!, m[3]);
  return out;
}

/** Sources as comparable address text: lower case, no scheme, no "www.". */
function urlText(text: string): string {
  return text
    .toLowerCase()
    .replace(/https?:\/\//g, '')
    .replace(/(?<![a-z0-9-])www\./g, '');
}

function normalUrl(url: string): string {
  return urlText(url)
    .replace(/[.,;:!?]+$/, '')
    .replace(/\/+$/, '');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
