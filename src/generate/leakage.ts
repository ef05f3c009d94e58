import { fold } from '../text/normalize.ts';

/**
 * The output guard against prompt injection: whatever the question made the model do, an answer that repeats the
 * prompts' wording, talks about its instructions or claims another role is not sent. The model is never trusted to
 * resist on its own; the tests script it to comply.
 */

/** Words in a row shared with a prompt that count as repeating it. */
const SHINGLE = 8;

/** Folded phrases an answer about VNeID never needs: talk about instructions, jailbreak roles, secrets. */
const ROLE_TALK = [
  'system prompt',
  'prompt he thong',
  'loi nhac he thong',
  'huong dan he thong',
  'chi dan he thong',
  'chi thi he thong',
  'my instructions',
  'my system',
  'my prompt',
  'i was instructed',
  'i have been instructed',
  'i am instructed',
  'huong dan cua toi',
  'chi dan cua toi',
  'toi duoc huong dan',
  'toi duoc dan',
  'toi duoc lap trinh',
  'toi la dan',
  'i am dan',
  'dan mode',
  'che do dan',
  'developer mode',
  'che do nha phat trien',
  'jailbreak',
  'jailbroken',
  'do anything now',
  'no restrictions',
  'khong con gioi han',
  'khong bi rang buoc',
  'khong con rang buoc',
  'bo moi gioi han',
  'new role',
  'vai tro moi',
  'toi khong con la',
  'i am no longer',
  'from now on i',
  'tu bay gio toi',
  'as an ai language model',
  'ignore previous',
  'ignore all previous',
  'bo qua huong dan',
  'bo qua moi huong dan',
  'api key',
  'openai',
  // the system prompt's own opening, in either language (answers call the assistant "mình", never "bạn là…")
  'ban la binh dan',
  'you are binh dan',
];
/** A long run of base64 or hex: instructions or prompts smuggled out encoded. */
const ENCODED = /[A-Za-z0-9+/=]{28,}/;

/** Marks of the prompt templates themselves (delimiters, variable syntax, section names). */
const TEMPLATE_MARKS = ['<<<', '>>>', '{{', '}}', 'TÀI LIỆU (', 'CÂU HỎI của người dân'];

export interface LeakCheck {
  /** Folded 8-word sequences of the prompts. */
  shingles: Set<string>;
}

/** Prepares the check from the prompts' fixed wording (see prompts.ts `promptTexts`). */
export function leakCheck(promptTexts: readonly string[]): LeakCheck {
  const shingles = new Set<string>();
  for (const text of promptTexts) for (const s of shinglesOf(fold(text))) shingles.add(s);
  return { shingles };
}

/** Why the answer must not be sent (empty when it may). */
export function leaks(answer: string, check: LeakCheck): string[] {
  const reasons: string[] = [];
  const folded = fold(answer);
  if (shinglesOf(folded).some((s) => check.shingles.has(s))) reasons.push('repeats the prompt');
  const padded = ` ${folded} `;
  const talk = ROLE_TALK.find((p) => padded.includes(` ${p} `));
  if (talk) reasons.push(`role or instructions: "${talk}"`);
  const encoded = answer.split(/\s+/).find((word) => ENCODED.test(word) && /\d/.test(word) && /[a-z]/i.test(word) && !word.includes('.'));
  if (encoded) reasons.push('encoded text');
  const mark = TEMPLATE_MARKS.find((m) => answer.includes(m));
  if (mark) reasons.push(`template text: "${mark}"`);
  return reasons;
}

function shinglesOf(folded: string): string[] {
  const words = folded.split(' ').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + SHINGLE <= words.length; i++) out.push(words.slice(i, i + SHINGLE).join(' '));
  return out;
}
