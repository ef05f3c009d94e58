import { createHash } from 'node:crypto';
import { defineChoice, MAX_CHOICE_ID_BYTES } from '../core/choices.ts';
import type { Choice, Reply } from '../core/message.ts';
import { guideChoice, HUMAN } from '../shared/choices.ts';
import type { AbstainHint } from './pointers.ts';
import type { Candidate } from './retrieve.ts';
import type { StoredGuide } from './guides.ts';
import { PART_FIELD, type GuidePart } from './parts.ts';

/** Opens page `page` (0-based) of an FAQ answer; `ref` is the entry's id, or `#` and a hash of it when long (see {@link moreChoiceId}). */
export const moreChoice = defineChoice('more', { ref: /#[0-9a-f]{16}|[A-Za-z0-9][A-Za-z0-9_.-]{0,63}/, page: 'int' });
/** 👍/👎 on answer `ask` (an `asks` row): counts only from the user the answer was given to. */
export const feedbackChoice = defineChoice('fb', { vote: ['up', 'down'], ask: 'int' });

/** One further part of guide `guide` ("📌 Lưu ý", "❓ Nếu không được", "💰 Lệ phí"…; see ask/parts.ts). */
export const partChoice = defineChoice('part', { guide: 'slug', part: PART_FIELD });

export const MORE_LABEL = 'Xem tiếp';
/** At most this many choices under an answer: a phone screen, and a Zalo list one can read. */
export const MAX_CHOICES = 7;
/** At most this many part choices under the first reply. */
const MAX_PART_CHOICES = 3;

/** The buttons of `parts` of guide `guideId` (none when the id would not fit a choice id). */
export function partButtons(guideId: string, parts: readonly GuidePart[]): Choice[] {
  try {
    return parts.map((p) => ({ id: partChoice.make({ guide: guideId, part: p.name }), label: p.label }));
  } catch {
    return [];
  }
}

/** A guide as a button. */
export const guideButton = (id: string, title: string): Choice => ({ id: guideChoice.make({ guide: id }), label: `📄 ${title}` });
const votes = (askId: number): Choice[] => [
  { id: feedbackChoice.make({ vote: 'up', ask: askId }), label: '👍 Hữu ích' },
  { id: feedbackChoice.make({ vote: 'down', ask: askId }), label: '👎 Chưa đúng' },
];

/**
 * `more:<guideId>:<page>`; when that would pass 64 bytes, `more:#<first 16 hex of sha256(guideId)>:<page>` instead,
 * which the handler looks up among the FAQ entries.
 */
export function moreChoiceId(guideId: string, page: number): string {
  const id = `more:${guideId}:${page}`;
  return moreChoice.make({ ref: Buffer.byteLength(id) <= MAX_CHOICE_ID_BYTES ? guideId : `#${guideIdHash(guideId)}`, page });
}

export function guideIdHash(guideId: string): string {
  return createHash('sha256').update(guideId).digest('hex').slice(0, 16);
}

/** 2026-11-23 → 23/11/2026 */
export function viDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** The citation line every answer ends with: the official source and the date the guide was last verified. */
export function citation(g: Pick<StoredGuide, 'sources' | 'lastVerified'>): string {
  return `Nguồn: ${g.sources[0]} · cập nhật ${viDate(g.lastVerified)}`;
}

/**
 * A guide rendered for a phone: title, one-line answer, numbered steps, the first warning, the citation, and
 * choices: feedback, a volunteer, the guide's further parts by name (at most 3, see ask/parts.ts) and related guides,
 * at most {@link MAX_CHOICES} in all.
 */
export function renderGuide(g: StoredGuide, askId?: number, further: readonly GuidePart[] = []): Reply {
  const parts = [`**${g.title}**`, g.answer];
  if (g.steps.length) parts.push(g.steps.map((s, i) => `${i + 1}. ${s}`).join('\n'));
  if (g.warnings[0]) parts.push(`⚠️ ${g.warnings[0]}`);
  parts.push(citation(g));
  const choices: Choice[] = [];
  if (askId !== undefined) choices.push(...votes(askId));
  // the volunteer keeps its place right after feedback (3 on Zalo, as citizens were taught); the parts follow
  choices.push(HUMAN);
  choices.push(...partButtons(g.id, further.slice(0, MAX_PART_CHOICES)));
  for (const r of g.related.slice(0, Math.max(0, Math.min(2, MAX_CHOICES - choices.length)))) choices.push(guideButton(r.id, r.title));
  return { text: parts.join('\n\n'), choices };
}

/** A guide or an FAQ entry, each as it is shown; `further`: the guide's parts beyond the first reply. */
export function renderAnswer(g: StoredGuide, askId?: number, further: readonly GuidePart[] = []): Reply {
  return g.kind === 'faq' ? renderFaq(g, askId) : renderGuide(g, askId, further);
}

/**
 * One part of a guide: "Title — heading", its lines, the citation; then feedback (when it answers a typed question),
 * the guide's other parts, its steps, and a volunteer (at most {@link MAX_CHOICES}).
 */
export function renderPart(g: StoredGuide, part: GuidePart, all: readonly GuidePart[], askId?: number): Reply {
  const text = [`**${g.title} — ${part.label}**`, part.lines.map((l) => `• ${l}`).join('\n'), citation(g)].join('\n\n');
  const choices: Choice[] = [];
  if (askId !== undefined) choices.push(...votes(askId));
  const others = all.filter((p) => p.name !== part.name || p.heading !== part.heading);
  choices.push(...partButtons(g.id, others).slice(0, MAX_CHOICES - 2 - choices.length));
  choices.push(...partButtons(g.id, [{ name: 'steps', label: '📄 Các bước', heading: 'Các bước', lines: [] }]));
  choices.push(HUMAN);
  return { text, choices };
}

/**
 * An FAQ answer for a phone: title, the first page of the official answer, the citation, and choices: "Xem tiếp"
 * when there are more pages, feedback, a volunteer and related entries.
 */
export function renderFaq(g: StoredGuide, askId?: number): Reply {
  const pages = g.pages.length ? g.pages : [g.answer];
  const choices: Choice[] = [];
  if (pages.length > 1) choices.push({ id: moreChoiceId(g.id, 1), label: MORE_LABEL });
  if (askId !== undefined) choices.push(...votes(askId));
  choices.push(HUMAN);
  for (const r of g.related.slice(0, 2)) choices.push(guideButton(r.id, r.title));
  return { text: [`**${g.title}**`, pages[0], citation(g)].join('\n\n'), choices };
}

/** Page `page` (0-based, ≥ 1) of an FAQ answer: its text, "(phần N/M)", the citation; "Xem tiếp" while pages remain. */
export function renderFaqPage(g: StoredGuide, page: number): Reply {
  const choices: Choice[] = [];
  if (page + 1 < g.pages.length) choices.push({ id: moreChoiceId(g.id, page + 1), label: MORE_LABEL });
  choices.push(HUMAN);
  return { text: [g.pages[page], `(phần ${page + 1}/${g.pages.length})`, citation(g)].join('\n\n'), choices };
}

export const STALE_PAGE = 'Phần tiếp theo này không còn nữa (câu trả lời có thể vừa được cập nhật). Bạn gõ lại câu hỏi giúp mình nhé.';

/**
 * Not sure: say so, offer the closest guides and a volunteer. With a {@link AbstainHint}: a pointer to where the
 * matter is handled (with its source and a volunteer), one friendly line for what is off-topic, or a short reply.
 */
export function renderAbstain(candidates: Candidate[], hint?: AbstainHint): Reply {
  if (hint?.kind === 'pointer') return { text: `${hint.text}\n\nNguồn: ${hint.source}`, choices: [HUMAN] };
  if (hint) return { text: hint.text };
  const close = candidates.filter((c) => c.confidence >= 0.2).slice(0, 3);
  const text = close.length
    ? 'Mình chưa chắc đã hiểu đúng câu hỏi, nên không muốn đoán. ' +
      'Có phải bạn muốn hỏi một trong các việc dưới đây? Hoặc bạn có thể hỏi tình nguyện viên.'
    : 'Xin lỗi, mình chưa có hướng dẫn đáng tin cậy cho câu hỏi này, nên không muốn đoán. ' +
      'Mình giúp được các việc về VNeID, dịch vụ công trực tuyến và cách tránh lừa đảo. ' +
      'Bạn có thể hỏi lại cách khác, hoặc hỏi tình nguyện viên.';
  return { text, choices: [...close.map((c) => guideButton(c.guideId, c.title)), HUMAN] };
}

export const REFUSAL: Reply = {
  text:
    'Mình không thể giúp việc này: làm giả giấy tờ, xâm nhập tài khoản người khác hay mua bán thông tin cá nhân là vi phạm pháp luật. ' +
    'Nếu bạn đang bị người khác lừa hoặc đe dọa, hãy báo ngay cho công an xã/phường nơi gần nhất.',
};
