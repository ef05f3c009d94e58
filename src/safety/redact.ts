/**
 * Removes personal numbers before a message is stored, logged or sent anywhere: 12-digit ID numbers (and 9-digit
 * CMND), phone numbers, OTP-like codes, e-mail addresses. Public hotlines (1900…, 1800…, 113, 156, 5656) stay.
 */
export const PLACEHOLDER = {
  id: '[số định danh]',
  phone: '[số điện thoại]',
  code: '[mã]',
  email: '[email]',
} as const;

/** Digit runs, possibly grouped by spaces, dots or dashes ("0912 345 678", "001.234.567.890", "+84 912-345-678"). */
const NUMBER_RUN = /(?<![\d\w])\+?\d(?:[ .-]?\d){2,15}(?![\d\w])/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Words after which a short number is a one-time code. */
const CODE_CONTEXT = /(otp|m[aã]\s*(x[aá]c\s*(th[uự]c|nh[aậ]n)|k[ií]ch\s*ho[aạ]t|b[aả]o\s*m[aậ]t|pin|code)?|passcode|m[aậ]t\s*kh[aẩ]u|pin|code|mk)\s*(l[aà]|:|=)?\s*$/i;

export interface Redaction {
  text: string;
  /** What was removed, by kind (counts only; the values are never kept). */
  found: Partial<Record<keyof typeof PLACEHOLDER, number>>;
}

export function redact(text: string): Redaction {
  const found: Redaction['found'] = {};
  const hit = (kind: keyof typeof PLACEHOLDER) => {
    found[kind] = (found[kind] ?? 0) + 1;
    return PLACEHOLDER[kind];
  };
  let out = text.replace(EMAIL, () => hit('email'));
  out = out.replace(NUMBER_RUN, (run, offset: number, whole: string) => {
    const digits = run.replace(/\D/g, '');
    const grouped = digits.length !== run.replace(/^\+/, '').length;
    if (/^(1900|1800)\d{4,6}$/.test(digits)) return run;
    if (digits.length === 12) return hit('id');
    if (/^(84|0)\d{9,10}$/.test(digits) && (digits.startsWith('0') ? digits.length === 10 || digits.length === 11 : true)) return hit('phone');
    if (digits.length === 9 && !grouped) return hit('id');
    const before = whole.slice(Math.max(0, offset - 24), offset);
    if (!grouped && digits.length >= 4 && digits.length <= 8 && CODE_CONTEXT.test(before)) return hit('code');
    if (!grouped && digits.length === 6) return hit('code');
    return run;
  });
  return { text: out, found };
}

/** The text with personal numbers removed altogether (for search and anything sent to a model). */
export function withoutPersonalNumbers(text: string): string {
  const placeholders = new Set<string>(Object.values(PLACEHOLDER));
  return redact(text).text.replace(/\[[^\]]+\]/g, (m) => (placeholders.has(m) ? ' ' : m));
}

export function hasPersonalNumbers(text: string): boolean {
  return Object.keys(redact(text).found).length > 0;
}
