import { expand, type Abbreviations } from './abbreviations.ts';
import { tokenize } from './normalize.ts';
import { isStopword } from './stopwords.ts';

/**
 * What retrieval matches on: folded words and syllable bigrams, abbreviations expanded, function words dropped.
 *
 * Vietnamese words are mostly two syllables ("mật khẩu", "đăng nhập"); a bigram term `mat_khau` keeps the word
 * together after folding, so "mat khau" does not match a text that merely has "mất" and "khẩu" far apart.
 */

/** The terms of a text for matching, and its content words. */
export interface Analysis {
  /** Unique terms: content words then bigrams (`a_b`). */
  terms: string[];
  /** Content words in order (abbreviations replaced), for embeddings and display. */
  words: string[];
}

export const BIGRAM_JOINER = '_';

export function analyze(text: string, abbreviations: Abbreviations): Analysis {
  const { main, extra } = expand(tokenize(text), abbreviations);
  const sequences = [main, ...extra].map((seq) => seq.filter((w) => !isStopword(w)));
  const terms = new Set<string>();
  for (const seq of sequences) for (const w of seq) terms.add(w);
  for (const seq of sequences) {
    for (let i = 0; i + 1 < seq.length; i++) terms.add(seq[i] + BIGRAM_JOINER + seq[i + 1]);
  }
  return { terms: [...terms], words: sequences[0] ?? [] };
}

/**
 * The terms of a text in order, repeats kept — what the BM25F index counts. Content words (function words dropped)
 * and the syllable bigrams of the whole word sequence: bigrams keep function words ("cấp lại", "như thế") because
 * a pair of adjacent syllables is a Vietnamese word whatever its parts are. Abbreviations are expanded (the main
 * meaning in place, the original and other meanings appended).
 */
export function analyzeSequence(text: string, abbreviations: Abbreviations): string[] {
  const { main, extra } = expand(tokenize(text), abbreviations);
  const out: string[] = [];
  for (const seq of [main, ...extra]) {
    for (const w of seq) if (!isStopword(w)) out.push(w);
    for (let i = 0; i + 1 < seq.length; i++) out.push(seq[i] + BIGRAM_JOINER + seq[i + 1]);
  }
  return out;
}
