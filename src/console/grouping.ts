import { createHash } from 'node:crypto';
import type { Abbreviations } from '../text/abbreviations.ts';
import { analyzeSequence } from '../text/analyze.ts';

/**
 * Groups the editors' worklist (abstentions, 👎, unmet volunteer requests) by similar question, with the retrieval's
 * own analysis: a question's terms are the set of what the search index counts for it (text/analyze.ts
 * `analyzeSequence`: folded content words with stopwords dropped and abbreviations expanded, plus the syllable bigrams
 * of the whole sequence — so "sổ đỏ" stays `so_do` although `do` alone is a stopword).
 *
 * Deterministic greedy clustering: questions with the same term set form one signature; signatures are taken by
 * count (most asked first, ties by key), and each joins the existing group whose *leader* (the group's first
 * signature) it is most similar to, when the Jaccard similarity of the two term sets is ≥ {@link SIMILARITY}; else it
 * leads a new group. Comparing with the leader only (never a growing centroid) keeps a group from drifting. A group's
 * key is a hash of its leader's terms. Groups an editor decided are seeded first, from the terms stored with the
 * decision, so later questions like them join the decided group instead of coming back to the list.
 */

/** Jaccard similarity at which a question joins a group. */
export const SIMILARITY = 0.5;

export type ItemSource = 'abstained' | 'down' | 'unmet';

/** One entry of the worklist: a redacted question as stored, and what retrieval thought of it (if it was an ask). */
export interface WorkItem {
  source: ItemSource;
  text: string;
  at: Date;
  guideId: string | null;
  confidence: number | null;
}

export interface QuestionGroup {
  key: string;
  /** The leader's terms (sorted), stored with a decision. */
  terms: string[];
  count: number;
  counts: Record<ItemSource, number>;
  /** Up to 3 distinct questions, newest first, redacted as stored. */
  examples: string[];
  /** Every distinct question of the group, newest first (for the exported skeleton). */
  questions: string[];
  /** The guide retrieval most often put first for the group's asks, and its mean confidence on them. */
  guide?: { id: string; confidence: number };
  /** Seeded from a decision. */
  decided: boolean;
}

/** What redaction put in place of personal data ("[số điện thoại]"): not words of the question. */
const PLACEHOLDER = /\[[^\]\n]{1,30}\]/g;

/** The sorted, distinct terms of a question, as the search index analyses it (redaction placeholders left out). */
export function questionTerms(text: string, abbreviations: Abbreviations): string[] {
  return [...new Set(analyzeSequence(text.replace(PLACEHOLDER, ' '), abbreviations))].sort();
}

/** The stable key of a group led by these terms. */
export function groupKey(terms: readonly string[]): string {
  return createHash('sha256').update(terms.join(' ')).digest('hex').slice(0, 20);
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

interface Building {
  group: QuestionGroup;
  leader: Set<string>;
  items: WorkItem[];
}

/**
 * The groups of `items`, largest first (decided groups included, marked; those with no item in `items` have count 0).
 * @example groupQuestions([{ source: 'abstained', text: 'so do lam lai o dau', … }], abbreviations, [])
 */
export function groupQuestions(
  items: readonly WorkItem[],
  abbreviations: Abbreviations,
  decided: readonly { key: string; terms: readonly string[] }[] = [],
): QuestionGroup[] {
  const signatures = new Map<string, { terms: string[]; items: WorkItem[] }>();
  for (const item of items) {
    const terms = questionTerms(item.text, abbreviations);
    const sig = terms.join(' ');
    let s = signatures.get(sig);
    if (!s) signatures.set(sig, (s = { terms, items: [] }));
    s.items.push(item);
  }
  const groups: Building[] = decided.map((d) => ({
    group: emptyGroup(d.key, [...d.terms], true),
    leader: new Set(d.terms),
    items: [],
  }));
  // Prefix filtering (as in all-pairs similarity search): with terms ordered rarest first, two sets with Jaccard ≥ t
  // share a term among the first |x| − ⌈t·|x|⌉ + 1 of each; so leaders are indexed by their prefix terms only, and
  // a question is compared only with the leaders its own prefix meets. Same result as comparing with every group.
  const freq = new Map<string, number>();
  for (const { terms, items: its } of signatures.values()) for (const t of terms) freq.set(t, (freq.get(t) ?? 0) + its.length);
  const prefix = (terms: Iterable<string>) => {
    const sorted = [...terms].sort((a, b) => (freq.get(a) ?? 0) - (freq.get(b) ?? 0) || (a < b ? -1 : 1));
    return sorted.length ? sorted.slice(0, sorted.length - Math.ceil(SIMILARITY * sorted.length) + 1) : [''];
  };
  const byTerm = new Map<string, number[]>();
  const index = (at: number) => {
    for (const t of prefix(groups[at]!.leader)) {
      const list = byTerm.get(t);
      if (list) list.push(at);
      else byTerm.set(t, [at]);
    }
  };
  groups.forEach((_, at) => index(at));
  const ordered = [...signatures.entries()].sort((a, b) => b[1].items.length - a[1].items.length || (a[0] < b[0] ? -1 : 1));
  for (const [, s] of ordered) {
    const set = new Set(s.terms);
    const candidates = [...new Set(prefix(set).flatMap((t) => byTerm.get(t) ?? []))].sort((a, b) => a - b);
    let best: Building | undefined;
    let bestScore = SIMILARITY;
    for (const at of candidates) {
      const g = groups[at]!;
      const score = jaccard(set, g.leader);
      if (score > bestScore || (score === bestScore && !best)) {
        best = g;
        bestScore = score;
      }
    }
    if (!best) {
      groups.push((best = { group: emptyGroup(groupKey(s.terms), s.terms, false), leader: set, items: [] }));
      index(groups.length - 1);
    }
    best.items.push(...s.items);
  }
  return groups.map(finish).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

function emptyGroup(key: string, terms: string[], decided: boolean): QuestionGroup {
  return { key, terms, count: 0, counts: { abstained: 0, down: 0, unmet: 0 }, examples: [], questions: [], decided };
}

function finish({ group, items }: Building): QuestionGroup {
  const newest = [...items].sort((a, b) => b.at.getTime() - a.at.getTime());
  const questions = [...new Set(newest.map((i) => i.text.trim()).filter(Boolean))];
  const counts = { abstained: 0, down: 0, unmet: 0 };
  const guides = new Map<string, { n: number; sum: number }>();
  for (const i of items) {
    counts[i.source]++;
    if (i.guideId && i.confidence !== null) {
      const g = guides.get(i.guideId) ?? { n: 0, sum: 0 };
      g.n++;
      g.sum += i.confidence;
      guides.set(i.guideId, g);
    }
  }
  const top = [...guides].sort((a, b) => b[1].n - a[1].n || b[1].sum / b[1].n - a[1].sum / a[1].n || (a[0] < b[0] ? -1 : 1))[0];
  return {
    ...group,
    count: items.length,
    counts,
    examples: questions.slice(0, 3),
    questions,
    ...(top ? { guide: { id: top[0], confidence: top[1].sum / top[1].n } } : {}),
  };
}
