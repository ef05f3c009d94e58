/**
 * Vietnamese text normalisation for matching.
 *
 * Citizens type with or without diacritics ("quên mật khẩu" / "quen mat khau"), in any Unicode form, in any case.
 * Everything that is compared is first *folded*: NFC, lower case, diacritics removed, `đ` → `d`, anything that is not
 * a letter or digit turned into a space. Folding is lossy ("mã" and "mà" both become "ma"); syllable bigrams
 * (text/analyze.ts) give back most of the precision.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** NFC + lower case, keeps diacritics. */
function canonical(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** Removes diacritics and maps đ → d. Keeps case and punctuation. */
export function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

/** Lower case, no diacritics, only `[a-z0-9]` words separated by single spaces. */
export function fold(text: string): string {
  return stripDiacritics(canonical(text))
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Folded words of a text. */
export function tokenize(text: string): string[] {
  const folded = fold(text);
  return folded ? folded.split(' ') : [];
}

/** True when the text has no Vietnamese diacritics at all (how many citizens type). */
export function isDiacriticFree(text: string): boolean {
  return stripDiacritics(text) === text;
}
