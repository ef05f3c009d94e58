import type { Abbreviations } from '../text/abbreviations.ts';
import { analyzeSequence } from '../text/analyze.ts';
import type { Guide } from './guide.ts';

/** `meta` key bumped whenever the guides change, so that every process rebuilds its search index. */
export const INDEX_GENERATION_KEY = 'index_generation';

/** The text of an entry that search reads, per field; stored with the entry (`guides.fields`) at ingestion. */
export interface IndexFields {
  title: string;
  questions: string[];
  keywords: string[];
  body: string;
}

/**
 * What of an entry is searched, and in which field. A title derived from the answer (FAQ entries without one) is
 * not a field of its own: its words are already in the body, and counting them twice would favour first sentences.
 */
export function indexFields(guide: Guide): IndexFields {
  const body = [guide.answer, ...guide.sections.flatMap((s) => s.lines)];
  return {
    title: guide.titleDerived ? '' : guide.title,
    questions: guide.questions,
    keywords: guide.keywords,
    body: [...new Set(body)].join('\n'),
  };
}

/** The terms of each field, repeats kept (term frequency), as the search index (ask/bm25f.ts) counts them. */
export function fieldTerms(fields: IndexFields, abbreviations: Abbreviations): Record<keyof IndexFields, string[]> {
  const of = (texts: string[]) => texts.flatMap((t) => analyzeSequence(t, abbreviations));
  return { title: of([fields.title]), questions: of(fields.questions), keywords: of(fields.keywords), body: of([fields.body]) };
}
