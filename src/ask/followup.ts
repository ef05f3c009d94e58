import type { Queryable } from '../db/index.ts';
import { tokenize } from '../text/normalize.ts';
import type { Asker, AskResult } from './asker.ts';
import { getGuide, type StoredGuide } from './guides.ts';
import { bestPart, guideParts, guideSections, partAsked, topicWords, type GuidePart } from './parts.ts';
import type { Topic } from './topics.ts';

/** A follow-up at most this many words long is read in the context of the topic. */
const SHORT_WORDS = 12;
/** A follow-up retrieving another guide at this confidence or more changes the topic. */
export const STRONG_CONFIDENCE = 0.8;

/** What to answer with: a retrieval result as usual, or a guide of the context (a part of it, or its steps). */
export type Resolution =
  { kind: 'result'; result: AskResult; part?: GuidePart } | { kind: 'topic'; guide: StoredGuide; parts: GuidePart[]; part?: GuidePart };

export async function partsOf(db: Queryable, guide: StoredGuide): Promise<GuidePart[]> {
  return guide.kind === 'faq' ? [] : guideParts(guide, await guideSections(db, guide.id));
}

/** A request for a part of the guide in context and nothing else: "phí bao nhiêu", "không được thì sao", "lưu ý gì". */
export function barePartRequest(text: string): boolean {
  return partAsked(text) !== undefined && topicWords(text).length === 0;
}

/**
 * A message read with the conversation's topic, without an LLM: a question retrieving strongly to another guide changes
 * the topic; a short one asking for a part ("phí bao nhiêu", "không được thì sao", "xem thêm") is answered from that part
 * of the topic guide; any other short one that retrieves weakly is retrieved again with the topic's title appended, and
 * the part that best answers it is sent.
 */
export async function resolveInContext(
  db: Queryable,
  asker: Asker,
  text: string,
  result: AskResult,
  topic: Topic | undefined,
): Promise<Resolution> {
  const top = result.candidates[0];
  if (!topic || result.decision === 'refuse') return { kind: 'result', result };
  const asked = partAsked(text);
  const short = tokenize(text).length <= SHORT_WORDS;
  const answered = result.decision === 'answer' && top !== undefined;
  // a bare request for a part ("phí bao nhiêu", "không được thì sao") is about the topic, whatever it retrieves alone
  const bare = barePartRequest(text);
  // a clear change of topic, or a long question standing on its own
  if (!bare && answered && top.guideId !== topic.guideId && (result.confidence >= STRONG_CONFIDENCE || !short))
    return { kind: 'result', result };
  if (!short && !answered) return { kind: 'result', result };
  const guide = await getGuide(db, topic.guideId);
  if (!guide) return { kind: 'result', result };
  const parts = await partsOf(db, guide);
  if (answered && top.guideId === topic.guideId && !asked) return { kind: 'topic', guide, parts };
  if (asked) {
    const part = bestPart(text, parts, topic.part);
    return { kind: 'topic', guide, parts, ...(part && part !== 'steps' ? { part } : {}) };
  }
  const again = await asker.ask(`${text} ${guide.title}`);
  const next = again.candidates[0];
  if (again.decision === 'answer' && next && next.guideId !== topic.guideId) return { kind: 'result', result: again };
  if (again.decision === 'answer' || answered) {
    const part = bestPart(text, parts, topic.part);
    return { kind: 'topic', guide, parts, ...(part && part !== 'steps' ? { part } : {}) };
  }
  return { kind: 'result', result };
}
