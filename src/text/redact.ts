import { stripDiacritics } from './normalize.ts';

/**
 * Finds personal data in a message so that it is removed before the message is stored, logged or sent anywhere:
 * 12-digit ID numbers (and 9-digit CMND), phone numbers, OTP-like codes, e-mail addresses, and a name the citizen
 * gives ("tôi tên là …"). Public hotlines (1900…, 1800…, 113, 156, 5656) stay. Text only, no feature's knowledge:
 * the core redacts every message with it, and the generation slice pseudonymises with {@link replacePersonal}.
 */

/** What each kind of personal data becomes in stored and logged text. */
const PLACEHOLDER = {
  id: '[số định danh]',
  phone: '[số điện thoại]',
  code: '[mã]',
  email: '[email]',
  name: '[tên]',
} as const;

/** What kind of personal data a match is. */
export type PersonalKind = keyof typeof PLACEHOLDER;

/** Digit runs, possibly grouped by spaces, dots or dashes ("0912 345 678", "001.234.567.890", "+84 912-345-678"). */
const NUMBER_RUN = /(?<![\d\w])\+?\d(?:[ .-]?\d){2,15}(?![\d\w])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Words after which a short number is a one-time code. */
const CODE_CONTEXT = new RegExp(
  [
    String.raw`(otp`,
    String.raw`|m[aã]\s*(x[aá]c\s*(th[uự]c|nh[aậ]n)|k[ií]ch\s*ho[aạ]t|b[aả]o\s*m[aậ]t|pin|code)?`,
    String.raw`|passcode|m[aậ]t\s*kh[aẩ]u|pin|code|mk)`,
    String.raw`\s*(l[aà]|:|=)?\s*$`,
  ].join(''),
  'i',
);
/** "tôi tên là", "tên tôi là", "mình tên", "my name is"… followed by the name (with or without diacritics). */
const NAME_INTRO = new RegExp(
  [
    String.raw`(?<![\p{L}\d])(?:`,
    String.raw`(?:t[oô]i|m[iì]nh|em|con|ch[aá]u|b[aà]|[oô]ng)\s+t[eê]n\s+(?:l[aà]\s+)?`,
    String.raw`|t[eê]n\s+(?:c[uủ]a\s+)?(?:t[oô]i|m[iì]nh|em|con|ch[aá]u)\s+l[aà]\s+`,
    String.raw`|my\s+name\s+is\s+|i\s+am\s+called\s+)`,
  ].join(''),
  'giu',
);
const WORD = /^[\p{L}][\p{L}'’-]*/u;
/** Words that end a lower-case name ("tôi tên là lan quên mật khẩu" keeps "quên mật khẩu"). */
const AFTER_NAME = new Set(
  [
    'gi sao the quen muon hoi o nam nay dang bi can khong lam thi va co sinh la nha que so sdt dien can cuoc cccd vneid tuoi',
    'and i my need want from how please',
  ]
    .join(' ')
    .split(' '),
);

export interface Redaction {
  text: string;
  /** What was removed, by kind (counts only; the values are never kept). */
  found: Partial<Record<PersonalKind, number>>;
}

/**
 * The hook every redaction goes through: finds personal data and asks `replace` what to put instead of each value.
 * {@link redact} puts a fixed placeholder; the generation slice puts numbered ones it can restore locally.
 */
export function replacePersonal(text: string, replace: (kind: PersonalKind, value: string) => string): Redaction {
  const found: Redaction['found'] = {};
  const hit = (kind: PersonalKind, value: string) => {
    found[kind] = (found[kind] ?? 0) + 1;
    return replace(kind, value);
  };
  let out = replaceNames(text, hit);
  out = out.replace(EMAIL, (m) => hit('email', m));
  out = out.replace(NUMBER_RUN, (run, offset: number, whole: string) => {
    const digits = run.replace(/\D/g, '');
    const grouped = digits.length !== run.replace(/^\+/, '').length;
    if (/^(1900|1800)\d{4,6}$/.test(digits)) return run;
    if (digits.length === 12) return hit('id', run);
    if (/^(84|0)\d{9,10}$/.test(digits) && (digits.startsWith('0') ? digits.length === 10 || digits.length === 11 : true))
      return hit('phone', run);
    if (digits.length === 9 && !grouped) return hit('id', run);
    const before = whole.slice(Math.max(0, offset - 24), offset);
    if (!grouped && digits.length >= 4 && digits.length <= 8 && CODE_CONTEXT.test(before)) return hit('code', run);
    if (!grouped && digits.length === 6) return hit('code', run);
    return run;
  });
  return { text: out, found };
}

/**
 * A name after an introduction: up to five capitalised words ("Nguyễn Thị Lan"), or, typed in lower case, up to
 * three words before punctuation or a word that cannot be part of a name.
 */
function replaceNames(text: string, hit: (kind: PersonalKind, value: string) => string): string {
  let out = '';
  let last = 0;
  for (const intro of text.matchAll(NAME_INTRO)) {
    const start = intro.index + intro[0].length;
    if (start < last) continue;
    const words: string[] = [];
    let pos = start;
    while (words.length < 5) {
      const gap = /^[ \t]*/.exec(text.slice(pos))![0];
      const word = WORD.exec(text.slice(pos + gap.length))?.[0];
      if (!word) break;
      const capital = /^\p{Lu}/u.test(word);
      const lowerName = !capital && !/^\p{Lu}/u.test(words[0] ?? '') && words.length < 3;
      if (!(capital || lowerName) || (!capital && AFTER_NAME.has(stripDiacritics(word).toLowerCase()))) break;
      if (words.length && gap.length === 0) break;
      words.push(word);
      pos += gap.length + word.length;
    }
    if (!words.length) continue;
    out += text.slice(last, start) + hit('name', text.slice(start, pos));
    last = pos;
  }
  return out + text.slice(last);
}

/** The text with each piece of personal data replaced by its {@link PLACEHOLDER} (what the core stores and logs). */
export function redact(text: string): Redaction {
  return replacePersonal(text, (kind) => PLACEHOLDER[kind]);
}

/** The text with personal data removed altogether (for search and anything sent to a model). */
export function withoutPersonalNumbers(text: string): string {
  const placeholders = new Set<string>(Object.values(PLACEHOLDER));
  return redact(text).text.replace(/\[[^\]]+\]/g, (m) => (placeholders.has(m) ? ' ' : m));
}
