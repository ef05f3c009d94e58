import { readFile } from 'node:fs/promises';
import type { Inbound, Reply } from '../core/message.ts';

/**
 * What a turn of a conversation should get: a guide (exact id, or an id pattern for guides not written yet) and
 * optionally its part; a warning (scam story, link verdict), alone or followed by a guide; an abstention (with a
 * pointer to where such matters are handled, when `"pointer"`); or a refusal.
 */
export interface TurnExpectation {
  guide?: string;
  guideLike?: string;
  /** `steps` (the first reply), `notes`, `fix`, `fees`, `warn`, `where`; left out: any part of the guide. */
  part?: string;
  warn?: boolean;
  abstain?: true | 'pointer';
  refuse?: boolean;
  /** What the turn depends on that may not be there yet (e.g. a guide being written). */
  needs?: string;
}

export interface Scenario {
  id: string;
  style?: string;
  turns: { say: string; expect: TurnExpectation }[];
}

/** What the replies to one turn did, read off the replies as a citizen sees them. */
export interface TurnOutcome {
  guides: { id: string; part: string }[];
  warned: boolean;
  abstained: boolean;
  refused: boolean;
  pointer: boolean;
}

export interface ConversationReport {
  scenarios: number;
  turns: number;
  correct: number;
  accuracy: number;
  /** Turn accuracy of first messages and of follow-ups (turn 2 and later). */
  first: { n: number; accuracy: number };
  followups: { n: number; accuracy: number };
  by_style: Record<string, { n: number; accuracy: number }>;
  misses: { scenario: string; turn: number; say: string; expect: TurnExpectation; got: TurnOutcome; text: string }[];
}

const PART_LABELS: Record<string, string> = {
  '💰 Lệ phí': 'fees',
  '❓ Nếu không được': 'fix',
  '📌 Lưu ý': 'notes',
  '⚠️ Cảnh báo': 'warn',
  '📍 Nơi làm': 'where',
};
/** Safety replies (scam warning, link verdicts) start with one of these; guides start with their bold title. */
const WARNING_START = /^(?:⚠️|⛔|✅|ℹ️)/u;
/** An abstention that says where such matters are handled. */
const POINTER = /một cửa|hành chính công|dichvucong\.gov\.vn|UBND|ủy ban nhân dân|tổng đài|đường dây nóng/i;
const REFUSAL_START = 'Mình không thể giúp việc này';

export async function readConversations(path: string): Promise<Scenario[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim());
  return lines.map((line, i) => {
    const row = JSON.parse(line) as Partial<Scenario>;
    if (!row.id || !Array.isArray(row.turns) || !row.turns.length) throw new Error(`${path}:${i + 1}: needs "id" and "turns"`);
    for (const t of row.turns) {
      if (typeof t.say !== 'string' || !t.expect) throw new Error(`${path}:${i + 1}: every turn needs "say" and "expect"`);
    }
    return row as Scenario;
  });
}

/** Reads what the replies did: which guides (and parts) were sent, whether it warned, abstained or refused. */
export function outcome(replies: readonly Reply[], guideIdByTitle: ReadonlyMap<string, string>): TurnOutcome {
  const o: TurnOutcome = { guides: [], warned: false, abstained: false, refused: false, pointer: false };
  for (const r of replies) {
    const title = /^\*\*(.+?)\*\*/.exec(r.text)?.[1];
    const [base, label] = title ? splitTitle(title, guideIdByTitle) : [undefined, undefined];
    const id = base !== undefined ? guideIdByTitle.get(base) : undefined;
    if (id) o.guides.push({ id, part: label ? (PART_LABELS[label] ?? 'other') : 'steps' });
    else if (WARNING_START.test(r.text)) o.warned = true;
    else if (r.text.startsWith(REFUSAL_START)) o.refused = true;
    else {
      o.abstained = true;
      if (POINTER.test(r.text)) o.pointer = true;
    }
  }
  return o;
}

function splitTitle(title: string, titles: ReadonlyMap<string, string>): [string, string | undefined] {
  if (titles.has(title)) return [title, undefined];
  const at = title.lastIndexOf(' — ');
  return at > 0 ? [title.slice(0, at), title.slice(at + 3)] : [title, undefined];
}

/** Whether the outcome is what was expected. */
export function judge(e: TurnExpectation, o: TurnOutcome): boolean {
  if (e.refuse) return o.refused && !o.guides.length;
  if (e.abstain) return !o.guides.length && !o.refused && (e.abstain !== 'pointer' || o.pointer);
  const wantsGuide = e.guide !== undefined || e.guideLike !== undefined;
  if (e.warn) {
    if (!o.warned) return false;
    // a warning that is the whole answer is not followed by an abstention
    if (!wantsGuide) return !o.abstained;
  }
  if (!wantsGuide) return true;
  const like = e.guideLike ? new RegExp(e.guideLike) : undefined;
  return o.guides.some((g) => (e.guide ? g.id === e.guide : like!.test(g.id)) && (e.part === undefined || e.part === g.part));
}

/**
 * Runs every scenario through the conversation as one new user each (a choice typed or pressed is just a message), and
 * reports per-turn accuracy.
 */
export async function evaluateConversations(
  scenarios: readonly Scenario[],
  handle: (inbound: Inbound) => Promise<Reply[]>,
  guideIdByTitle: ReadonlyMap<string, string>,
  channel = 'terminal',
): Promise<ConversationReport> {
  const run = `${Date.now()}`;
  const misses: ConversationReport['misses'] = [];
  const tally = (m: Map<string, [number, number]>, key: string, ok: boolean) => {
    const [n, c] = m.get(key) ?? [0, 0];
    m.set(key, [n + 1, c + (ok ? 1 : 0)]);
  };
  const byStyle = new Map<string, [number, number]>();
  const byPosition = new Map<string, [number, number]>();
  let turns = 0;
  let correct = 0;
  for (const s of scenarios) {
    const userId = `eval-${s.id}-${run}`;
    for (const [i, t] of s.turns.entries()) {
      const replies = await handle({ channel, userId, kind: 'text', text: t.say });
      const got = outcome(replies, guideIdByTitle);
      const ok = judge(t.expect, got);
      turns++;
      if (ok) correct++;
      tally(byStyle, s.style ?? '-', ok);
      tally(byPosition, i === 0 ? 'first' : 'followups', ok);
      if (!ok)
        misses.push({ scenario: s.id, turn: i + 1, say: t.say, expect: t.expect, got, text: replies.map((r) => r.text).join(' ¶ ') });
    }
  }
  const fig = (m: Map<string, [number, number]>, key: string) => {
    const [n, c] = m.get(key) ?? [0, 0];
    return { n, accuracy: n ? c / n : 0 };
  };
  return {
    scenarios: scenarios.length,
    turns,
    correct,
    accuracy: turns ? correct / turns : 0,
    first: fig(byPosition, 'first'),
    followups: fig(byPosition, 'followups'),
    by_style: Object.fromEntries([...byStyle.keys()].map((k) => [k, fig(byStyle, k)])),
    misses,
  };
}
