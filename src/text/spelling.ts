/**
 * Corrects typos against the words the guides actually use.
 *
 * Besides one-letter edits ("cuot" → "cuoc", "tui" → "tuoi"), it knows the spelling confusions of Vietnamese
 * speakers, which are often two letters apart: ch/tr, s/x, d/gi/r, final c/t and n/ng, i/y ("tam chu" → "tam tru",
 * "khai xinh" → "khai sinh").
 */

/** Pairs of first letters confused either way (ch/tr, s/x, d/gi/r…). */
const CONFUSIONS: readonly (readonly [string, string])[] = [
  ['ch', 'tr'],
  ['s', 'x'],
  ['d', 'gi'],
  ['d', 'r'],
  ['gi', 'r'],
  ['i', 'y'],
  ['l', 'n'],
  ['v', 'd'],
];
/** Pairs of final consonants confused either way. */
const FINAL_CONFUSIONS: readonly (readonly [string, string])[] = [
  ['c', 't'],
  ['n', 'ng'],
  ['t', 'ch'],
  ['c', 'ch'],
  ['n', 'nh'],
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Spellings a Vietnamese speaker may confuse with `word` (ch/tr, s/x, d/gi/r, final c/t, n/ng…). */
function* confusions(word: string): Generator<string> {
  for (const [a, b] of CONFUSIONS) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      if (word.startsWith(from)) yield to + word.slice(from.length);
    }
  }
  for (const [a, b] of FINAL_CONFUSIONS) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      if (word.endsWith(from)) yield word.slice(0, -from.length) + to;
    }
  }
}

function* variants(word: string): Generator<string> {
  yield* confusions(word);
  for (let i = 0; i <= word.length; i++) {
    for (const c of LETTERS) yield word.slice(0, i) + c + word.slice(i); // insertion
    if (i < word.length) {
      yield word.slice(0, i) + word.slice(i + 1); // deletion
      for (const c of LETTERS) if (c !== word[i]) yield word.slice(0, i) + c + word.slice(i + 1); // substitution
      if (i + 1 < word.length) yield word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2); // transposition
    }
  }
}

/**
 * Longest word looked at: no Vietnamese syllable (folded) has more letters, and the number of variants tried grows
 * with the length (about 54 per letter), so a 2,000-letter "word" would cost seconds of CPU.
 */
export const MAX_CORRECTED_LETTERS = 12;

/**
 * The most frequent known word one confusion or one edit away from `word`, or undefined (also for words longer than
 * {@link MAX_CORRECTED_LETTERS}).
 * `vocabulary` maps known words to their document frequency.
 */
export function correctWord(word: string, vocabulary: ReadonlyMap<string, number>): string | undefined {
  if (word.length < 3 || word.length > MAX_CORRECTED_LETTERS || /\d/.test(word) || vocabulary.has(word)) return undefined;
  let best: string | undefined;
  let bestDf = 0;
  for (const v of variants(word)) {
    const df = vocabulary.get(v);
    if (df !== undefined && df > bestDf) {
      best = v;
      bestDf = df;
    }
  }
  return best;
}

/**
 * Corrects a confusion that makes a real word but not the intended phrase: "tam chu" (both words exist) is
 * "tam tru" when the guides say "tạm trú" and never "tạm chú". Returns the corrected pair, or undefined.
 * `bigrams` holds the guides' syllable pairs, joined by `_`.
 */
export function correctPair(first: string, second: string, bigrams: ReadonlySet<string>): [string, string] | undefined {
  if (bigrams.has(`${first}_${second}`)) return undefined;
  for (const v of confusions(second)) if (bigrams.has(`${first}_${v}`)) return [first, v];
  for (const v of confusions(first)) if (bigrams.has(`${v}_${second}`)) return [v, second];
  return undefined;
}
