import type { Queryable } from '../db/index.ts';
import { fold } from '../text/normalize.ts';
import type { ChatModel } from './model.ts';
import { render, type Prompts } from './prompts.ts';

/**
 * Follow-up questions ("còn nếu máy không có NFC thì sao?") are rewritten into a standalone question from the last
 * few turns before retrieval — only when the message looks like a follow-up and there was a recent exchange, with a
 * tight deadline of its own. Any failure keeps the question as the citizen wrote it.
 */

/** Folded openings and phrases of a message that leans on what was said before. */
const OPENINGS = [
  'con',
  'the con',
  'vay',
  'vay con',
  'vay thi',
  'the thi',
  'neu',
  'con neu',
  'nhung',
  'nhung neu',
  'roi',
  'sau do',
  'tiep theo',
  'lo',
  'and',
  'but',
  'what if',
  'what about',
  'how about',
  'and if',
  'then',
];
const PHRASES = [
  'thi sao',
  'the nao nua',
  'cai do',
  'cai nay',
  'buoc do',
  'buoc nay',
  'buoc tren',
  'o tren',
  'vua noi',
  'ban noi',
  'nhu vay',
  'van the',
  'lam tiep',
  'that step',
  'that one',
  'instead',
  'the same',
];
/** Messages this short are read as follow-ups when there was a recent exchange. */
const SHORT_WORDS = 3;
/** Turns older than this are a new conversation. */
const RECENT_MINUTES = 30;
/** Messages of history given to the model, and how much of each. */
const HISTORY_MESSAGES = 4;
const HISTORY_CHARS = 350;

export function looksLikeFollowUp(question: string): boolean {
  const folded = fold(question);
  const words = folded.split(' ').filter(Boolean);
  if (!words.length) return false;
  if (words.length <= SHORT_WORDS) return true;
  const padded = ` ${folded} `;
  return OPENINGS.some((o) => padded.startsWith(` ${o} `)) || PHRASES.some((p) => padded.includes(` ${p} `));
}

/**
 * The recent exchange before the current message, oldest first, from the stored (already redacted) messages:
 * "Người dân: …" / "Trợ lý: …", each cut short. Empty when there was none in the last half hour.
 */
export async function recentHistory(db: Queryable, userId: number): Promise<string> {
  const rows = await db.query<{ direction: 'in' | 'out'; text: string }>(
    `select direction, text from messages where user_id = $1 and created_at > now() - make_interval(mins => $2)
     order by id desc limit $3`,
    [userId, RECENT_MINUTES, HISTORY_MESSAGES + 1],
  );
  // The newest row is the message being answered (the conversation stores it before routing).
  const before = rows[0]?.direction === 'in' ? rows.slice(1) : rows;
  if (!before.some((r) => r.direction === 'out')) return '';
  return before
    .reverse()
    .map((r) => `${r.direction === 'in' ? 'Người dân' : 'Trợ lý'}: ${oneLine(r.text).slice(0, HISTORY_CHARS)}`)
    .join('\n');
}

/** The standalone question, or undefined when the model gave nothing usable. */
export async function condense(
  model: ChatModel,
  prompts: Prompts,
  input: { history: string; question: string; signal: AbortSignal },
): Promise<{ question?: string; usage?: { prompt: number; completion: number } }> {
  const content = render(prompts.condense, { history: input.history, question: input.question });
  const completion = await model.complete([{ role: 'system', content }], { signal: input.signal, stream: false, maxTokens: 120 });
  const line = oneLine(completion.text.split('\n').find((l) => l.trim()) ?? '').replace(/^["“'«\s]+|["”'»\s]+$/g, '');
  const usable = line.length >= 3 && line.length <= 300;
  return { ...(usable ? { question: line } : {}), ...(completion.usage ? { usage: completion.usage } : {}) };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
