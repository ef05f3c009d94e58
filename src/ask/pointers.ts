/**
 * Matching a question to the pointers of `knowledge/pointers.yaml` (read by src/knowledge/pointers.ts): what to say
 * instead of the plain abstention, and when a pointer beats a guide that is about something else.
 */
import { fold } from '../text/normalize.ts';
import { NO_WORDS, type Pointers, type PointerTopic } from '../knowledge/pointers.ts';

/** What to say instead of the plain abstention. */
export type AbstainHint =
  | { kind: 'pointer'; topic: string; text: string; source: string }
  | { kind: 'off-topic'; text: string }
  | { kind: 'no-words'; text: string };

const hits = (padded: string, words: readonly string[]) => words.filter((w) => padded.includes(` ${w} `)).length;

/**
 * The hint for an abstention on `text`: no words at all; else the topic with the most trigger words (the first in the
 * file on a tie); else off-topic words; else nothing (the plain abstention).
 */
export function abstainHint(text: string, pointers?: Pointers): AbstainHint | undefined {
  const folded = fold(text);
  if (text.trim() && !folded) return { kind: 'no-words', text: pointers?.noWords ?? NO_WORDS };
  if (!pointers) return undefined;
  const padded = ` ${folded} `;
  let best: PointerTopic | undefined;
  let bestHits = 0;
  for (const topic of pointers.topics) {
    const n = hits(padded, topic.words);
    if (n > bestHits) [best, bestHits] = [topic, n];
  }
  if (best) return { kind: 'pointer', topic: best.id, text: best.text, source: best.source };
  if (hits(padded, pointers.offTopic.words)) return { kind: 'off-topic', text: pointers.offTopic.text };
  return undefined;
}

/**
 * A pointer to send instead of `guide` when the question names a public-service matter the guide never mentions
 * ("đăng ký kết hôn cần giấy tờ gì" retrieving the VNeID level-2 guide on its "đăng ký… giấy tờ" words): the
 * matter's topic wins over a guide about something else. Undefined when the guide speaks of the matter itself.
 */
export function pointerOverGuide(
  text: string,
  guide: { title: string; answer: string; steps: string[]; notes: string[] },
  pointers?: Pointers,
): AbstainHint | undefined {
  const hint = abstainHint(text, pointers);
  if (hint?.kind !== 'pointer') return undefined;
  const topic = pointers!.topics.find((t) => t.id === hint.topic)!;
  const about = ` ${fold([guide.title, guide.answer, ...guide.steps, ...guide.notes].join(' '))} `;
  return hits(about, topic.words) ? undefined : hint;
}
