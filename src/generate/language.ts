import { isDiacriticFree, tokenize } from '../text/normalize.ts';

/** English words that are not also Vietnamese syllables typed without diacritics ("to", "an", "do", "me" are). */
const ENGLISH = new Set(
  (
    'the my how what where when why which does is are was you your please should would could need want have has with for of i it this ' +
    "that get forgot lost can't cannot help change register install login log into"
  ).split(' '),
);

/** The language to answer in: English when the question is plainly written in English, else Vietnamese. */
export function answerLanguage(question: string): 'vi' | 'en' {
  if (!isDiacriticFree(question)) return 'vi';
  const words = tokenize(question);
  const english = words.filter((w) => ENGLISH.has(w)).length;
  return english >= 2 && english / Math.max(words.length, 1) >= 0.2 ? 'en' : 'vi';
}

/** How the prompts name each language. */
export const LANGUAGE_NAME = { vi: 'tiếng Việt', en: 'tiếng Anh (English)' } as const;
