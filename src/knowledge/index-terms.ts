import type { Abbreviations } from '../text/abbreviations.ts';
import { analyze } from '../text/analyze.ts';
import type { Guide } from './guide.ts';

/** Field weights of the guide index: A = title and citizen questions, B = keywords, C = the body. */
export type Weight = 'A' | 'B' | 'C';

/**
 * The guide's terms as a tsvector literal. Each term gets one position carrying its best weight, so that the
 * query `term:A` matches only guides whose title or questions have the term (positionless lexemes would match
 * any weight).
 */
export function guideTsvector(guide: Guide, abbreviations: Abbreviations): string {
  const best = new Map<string, Weight>();
  const add = (text: string, w: Weight) => {
    for (const t of analyze(text, abbreviations).terms) {
      const cur = best.get(t);
      if (!cur || w < cur) best.set(t, w);
    }
  };
  for (const q of [guide.title, ...guide.questions]) add(q, 'A');
  for (const k of guide.keywords) add(k, 'B');
  add(guide.answer, 'C');
  for (const s of guide.sections) for (const line of s.lines) add(line, 'C');
  let pos = 0;
  return [...best].map(([term, w]) => `'${term}':${Math.min(++pos, 16383)}${w}`).join(' ');
}
