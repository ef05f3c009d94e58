import type { Db } from '../db/index.ts';
import { on, type Feature, type Turn } from '../core/feature.ts';
import { reply, type Reply } from '../core/message.ts';
import type { Answerer } from './answerer.ts';
import type { Asker, AskResult } from './asker.ts';
import { barePartRequest, partsOf, resolveInContext } from './followup.ts';
import { getGuide } from './guides.ts';
import { partAsked } from './parts.ts';
import type { Pointers } from '../knowledge/pointers.ts';
import { abstainHint, pointerOverGuide } from './pointers.ts';
import { recordAsk, recordFeedback, recordFollowUp } from './records.ts';
import { guideChoice, HUMAN } from '../shared/choices.ts';
import {
  feedbackChoice,
  moreChoice,
  partChoice,
  REFUSAL,
  STALE_PAGE,
  renderAbstain,
  renderAnswer,
  renderFaqPage,
  renderPart,
} from './render.ts';
import { Topics } from './topics.ts';

/** After a link verdict or scam warning, a guide follows only when it is a safety guide or clearly answers the rest. */
const SCREENED_MIN_CONFIDENCE = 0.7;
function afterScreening(turn: Turn, result: AskResult): AskResult {
  const keep =
    !turn.screened?.answered ||
    result.decision !== 'answer' ||
    result.candidates[0]?.category === 'an-toan' ||
    result.confidence >= SCREENED_MIN_CONFIDENCE;
  return keep ? result : { ...result, decision: 'abstain' };
}

/**
 * Ask: free text → the best vetted guide, or an honest "not sure" with the closest guides and a volunteer.
 * With an {@link Answerer} (LLM configured), follow-ups are condensed before retrieval and the answer is generated
 * from the guide, falling back to the guide itself; abstaining and refusing are the same either way.
 * FAQ entries are sent as written (an official answer is not rewritten by the model), a page at a time.
 * A guide's first reply stays short; its further parts (Lưu ý, Nếu không được, fees, warnings…) are choices that name
 * them. The guide last answered is remembered per user ({@link Topics}): without an LLM, a short follow-up is read in
 * its context (ask/followup.ts).
 * Also serves the choices it offers: a guide by id, a part of a guide, 👍/👎 feedback, the next page of an FAQ answer.
 */
export function askFeature(deps: { db: Db; asker: Asker; answerer?: Answerer; topics?: Topics; pointers?: Pointers }): Feature {
  const { db, asker, answerer, pointers } = deps;
  const topics = deps.topics ?? new Topics(db);

  async function answer(turn: Turn): Promise<Reply[]> {
    const started = performance.now();
    const prepared = await answerer?.prepare(turn);
    const first = afterScreening(turn, await asker.ask(prepared?.question ?? turn.text));
    // Without an LLM the remembered topic carries the context. With one, the condensed question does, except for a
    // bare request for a part of the guide ("phí bao nhiêu", "không được thì sao"): that part is sent as vetted.
    const inContext = !answerer || barePartRequest(turn.text);
    const resolved = await resolveInContext(db, asker, turn.text, first, inContext ? await topics.get(turn.user.id) : undefined);
    if (resolved.kind === 'topic') {
      const { guide, parts, part } = resolved;
      const askId = await recordFollowUp(db, turn.user.id, turn.redacted, guide.id, performance.now() - started);
      if (prepared) await answerer?.skipped(prepared, askId);
      await topics.set(turn.user.id, guide.id, part?.name ?? 'steps');
      return [part ? renderPart(guide, part, parts, askId) : renderAnswer(guide, askId, parts)];
    }
    const top = resolved.result.candidates[0];
    const found = resolved.result.decision === 'answer' && top ? await getGuide(db, top.guideId) : undefined;
    // a public-service matter the guide found never mentions gets its pointer, not a guide about something else
    const pointer = found && found.kind === 'guide' ? pointerOverGuide(turn.text, found, pointers) : undefined;
    const guide = pointer ? undefined : found;
    const result: AskResult = pointer ? { ...resolved.result, decision: 'abstain' } : resolved.result;
    // a link verdict or scam warning with no guide after it answered the message itself: recorded as answered, with
    // no guide (not an abstention for the editors' worklist)
    const bySafety = !guide && turn.screened?.answered && result.decision !== 'refuse';
    const askId = await recordAsk(db, turn.user.id, turn.redacted, bySafety ? { ...result, decision: 'answer', candidates: [] } : result);
    if (guide) {
      const parts = await partsOf(db, guide);
      await topics.set(turn.user.id, guide.id);
      // a question naming the fee ("lệ phí lý lịch tư pháp bao nhiêu") is answered with the fees
      const fees = !answerer && partAsked(turn.text) === 'fees' ? parts.find((p) => p.name === 'fees') : undefined;
      if (fees) return [renderPart(guide, fees, parts, askId)];
      const extractive = renderAnswer(guide, askId, parts);
      if (guide.kind === 'faq') {
        if (prepared) await answerer?.skipped(prepared, askId);
        return [extractive];
      }
      return [answerer && prepared ? await answerer.compose(prepared, result, guide, extractive, askId) : extractive];
    }
    if (prepared) await answerer?.skipped(prepared, askId);
    if (result.decision === 'refuse') return [REFUSAL];
    // a link verdict or scam warning already answered the message: no "I have no guide" after it
    if (bySafety) return [];
    return [renderAbstain(result.candidates, pointer ?? abstainHint(turn.text, pointers))];
  }

  /** The FAQ entry whose id hashes to `hash` (see `moreChoiceId`). */
  async function faqIdByHash(hash: string): Promise<string | undefined> {
    const [row] = await db.query<{ id: string }>(
      `select id from guides where kind = 'faq' and left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 16) = $1 limit 1`,
      [hash],
    );
    return row?.id;
  }

  return {
    name: 'ask',
    text: answer,
    choices: [
      on(guideChoice, async (turn, { guide: id }) => {
        const guide = await getGuide(db, id);
        if (!guide) return [reply('Hướng dẫn này không còn nữa. Bạn gõ lại câu hỏi giúp mình nhé.')];
        const [row] = await db.query<{ id: string }>(
          `insert into asks (user_id, question, top_guide, confidence, abstained, latency_ms)
           values ($1, $2, $3, 1, false, 0) returning id`,
          [turn.user.id, `[chọn] ${guide.title}`, guide.id],
        );
        await topics.set(turn.user.id, guide.id);
        return [renderAnswer(guide, Number(row!.id), await partsOf(db, guide))];
      }),
      on(partChoice, async (turn, { guide: id, part: name }) => {
        const guide = await getGuide(db, id);
        if (!guide) return [reply('Hướng dẫn này không còn nữa. Bạn gõ lại câu hỏi giúp mình nhé.')];
        const parts = await partsOf(db, guide);
        await topics.set(turn.user.id, guide.id, name);
        if (name === 'steps') return [renderAnswer(guide, undefined, parts)];
        const part = parts.find((p) => p.name === name);
        return [part ? renderPart(guide, part, parts) : renderAnswer(guide, undefined, parts)];
      }),
      // a reference that names no page of an FAQ entry any more (the entry was re-imported shorter) gets STALE_PAGE
      on(moreChoice, async (_turn, { ref, page }) => {
        const id = ref.startsWith('#') ? await faqIdByHash(ref.slice(1)) : ref;
        const guide = id ? await getGuide(db, id) : undefined;
        if (!guide || guide.kind !== 'faq' || page < 1 || page >= guide.pages.length) return [reply(STALE_PAGE)];
        return [renderFaqPage(guide, page)];
      }),
      on(feedbackChoice, async (turn, { vote, ask }) => {
        const value = vote === 'up' ? 1 : -1;
        // only the answer this user was given takes their vote
        const ok = await recordFeedback(db, ask, turn.user.id, value);
        if (!ok) return [reply('Cảm ơn bạn!')];
        if (value === 1) return [reply('Cảm ơn bạn! Cần gì cứ hỏi mình nhé.')];
        return [reply('Cảm ơn bạn đã cho biết. Bạn có thể hỏi lại bằng cách khác, hoặc để tình nguyện viên giúp.', [HUMAN])];
      }),
    ],
  };
}
