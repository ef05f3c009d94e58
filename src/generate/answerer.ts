import type { Answerer as AskAnswerer } from '../ask/answerer.ts';
import type { AskResult } from '../ask/asker.ts';
import { getGuide, type StoredGuide } from '../ask/guides.ts';
import { citation } from '../ask/render.ts';
import type { Turn } from '../core/conversation.ts';
import type { Reply } from '../core/message.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { isHarmfulRequest, isPromptInjection, isScamStory } from '../safety/signals.ts';
import { condense, looksLikeFollowUp, recentHistory } from './condense.ts';
import { checkGrounding, type Violation } from './grounding.ts';
import { answerLanguage, LANGUAGE_NAME } from './language.ts';
import { leakCheck, leaks, type LeakCheck } from './leakage.ts';
import type { ChatMessage, ChatModel, Completion } from './model.ts';
import { promptTexts, render, type Prompts } from './prompts.ts';
import { Vault } from './privacy.ts';

/** What the model writes, alone, when the guide does not answer the question (abstention.md). */
export const ABSTAIN_MARKER = 'KHONG_CO_TRONG_TAI_LIEU';
/** Most numbered steps, and characters, a generated answer may have: one phone screen. */
const MAX_STEPS = 8;
const MAX_CHARS = 1800;
/** A second guide joins the context when it is about as likely as the first (questions two guides answer). */
const SECOND_GUIDE_SHARE = 0.9;
const SAFETY_CATEGORY = 'an-toan';
/** What a name the citizen gave becomes in the answer (the reply is stored, and a bare name cannot be redacted). */
const NAME_IN_ANSWER = { vi: 'bạn', en: 'you' } as const;

type Outcome = 'ok' | 'ungrounded' | 'leak' | 'declined' | 'format' | 'timeout' | 'error' | 'skipped';
type Usage = NonNullable<Completion['usage']>;

/** A turn made ready for retrieval: the question to search with, and what stays in the process. */
export interface Prepared {
  /** Holds this turn's personal data; never leaves the process. */
  vault: Vault;
  /** The question as the model sees it: placeholders instead of personal data (condensed when a follow-up). */
  hidden: string;
  /** The question to retrieve with (the condensed follow-up with personal data put back, or the message). */
  question: string;
  /** The condensed follow-up (placeholders), when one was made. */
  condensed?: string;
  usage?: Usage;
  ms: number;
}

export interface AnswererOptions {
  db: Db;
  model: ChatModel;
  prompts: Prompts;
  log: Logger;
  /** Deadline of one generated answer (`LLM_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Deadline of condensing a follow-up; default a quarter of `timeoutMs`, between 0.8 and 2.5 s. */
  condenseTimeoutMs?: number;
  /** Confidence a second guide needs to join the context. */
  minConfidence: number;
}

/**
 * Generated answers, grounded in the vetted guides. For a question the retrieval decided to answer:
 * pseudonymise → (condense a follow-up) → retrieve → generate from the top guide's sections → check for leaks and
 * for facts not in the guide → put personal data back → the guide's citation line(s). On a timeout, an error, a
 * leak, an ungrounded fact or a refusal by the model, the extractive guide answer is sent instead, in the same
 * reply. Every attempt is recorded in `generations` with its tokens and latency.
 */
export class Answerer implements AskAnswerer {
  readonly model: string;
  private readonly leakCheck: LeakCheck;
  private readonly condenseTimeoutMs: number;

  constructor(private readonly options: AnswererOptions) {
    this.model = options.model.model;
    // The scam warning is advice the answer is meant to repeat, so repeating it is no leak.
    this.leakCheck = leakCheck(promptTexts(options.prompts, ['scam-warning']));
    this.condenseTimeoutMs = options.condenseTimeoutMs ?? Math.min(2500, Math.max(800, Math.round(options.timeoutMs / 4)));
  }

  /** The question to retrieve with: a follow-up is condensed from the recent turns (its own tight deadline). */
  async prepare(turn: Turn): Promise<Prepared> {
    const started = performance.now();
    const vault = new Vault();
    const hidden = vault.hide(turn.text);
    const plain: Prepared = { vault, hidden, question: turn.text, ms: 0 };
    // Injections and harmful requests are screened on the message itself (asker.ts); they never reach a model.
    if (!looksLikeFollowUp(turn.text) || isPromptInjection(turn.text) || isHarmfulRequest(turn.text)) return plain;
    const history = await recentHistory(this.options.db, turn.user.id);
    if (!history) return plain;
    try {
      const signal = AbortSignal.timeout(this.condenseTimeoutMs);
      const result = await untilAborted(condense(this.options.model, this.options.prompts, { history, question: hidden, signal }), signal);
      const ms = performance.now() - started;
      if (!result.question) return { ...plain, ms, ...(result.usage ? { usage: result.usage } : {}) };
      return {
        vault,
        hidden: result.question,
        question: vault.reveal(result.question),
        condensed: result.question,
        ms,
        ...(result.usage ? { usage: result.usage } : {}),
      };
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'llm: condensing the follow-up failed; searching with the message as written');
      return { ...plain, ms: performance.now() - started };
    }
  }

  /**
   * The generated answer for `guide` (the top candidate of `result`), or `extractive` when it cannot be sent.
   * Starts with the guide's bold title, as the guide itself does, so the citizen sees which guide speaks; keeps the
   * extractive reply's choices (feedback, volunteer, the guide's further parts, related guides).
   */
  async compose(prepared: Prepared, result: AskResult, guide: StoredGuide, extractive: Reply, askId: number): Promise<Reply> {
    const started = performance.now();
    const guides = [guide, ...(await this.secondGuide(result, guide))];
    const sources = await guideSources(this.options.db, guides);
    const scam = result.candidates[0]?.category === SAFETY_CATEGORY || isScamStory(prepared.question);
    const messages = this.messages({ sources, question: prepared.hidden, language: answerLanguage(prepared.question), scam });

    let outcome: Outcome = 'ok';
    let violations: (Violation | { kind: string; value: string })[] = [];
    let usage: Usage | undefined;
    let answer = '';
    const signal = AbortSignal.timeout(Math.max(1, this.options.timeoutMs));
    try {
      const completion = await untilAborted(this.options.model.complete(messages, { signal }), signal);
      usage = completion.usage;
      answer = tidy(completion.text);
      const leaked = leaks(answer, this.leakCheck);
      if (leaked.length) [outcome, violations] = ['leak', leaked.map((value) => ({ kind: 'leak', value }))];
      else if (!answer || answer.includes(ABSTAIN_MARKER)) outcome = 'declined';
      else if ((violations = checkGrounding(answer, sources, prepared.hidden)).length) outcome = 'ungrounded';
      else if (stepCount(answer) > MAX_STEPS || answer.length > MAX_CHARS) outcome = 'format';
    } catch (err) {
      outcome = signal.aborted ? 'timeout' : 'error';
      if (outcome === 'error') violations = [{ kind: 'error', value: (err as Error).message.slice(0, 200).toWellFormed() }];
    }
    const ms = performance.now() - started;
    await this.record(askId, outcome, violations, prepared, addUsage(prepared.usage, usage), ms + prepared.ms);
    // A server that fails or is too slow is an operator's problem (warn); a checked-and-refused answer is routine.
    this.options.log[outcome === 'error' || outcome === 'timeout' ? 'warn' : 'info'](
      { outcome, ms: Math.round(ms), tokens: usage, violations: violations.map((v) => v.kind), model: this.model },
      outcome === 'ok' ? 'llm: generated answer sent' : 'llm: guide answer sent instead of the generated one',
    );
    if (outcome !== 'ok') return extractive;
    const body = prepared.vault.reveal(answer, NAME_IN_ANSWER[answerLanguage(prepared.question)]);
    const text = [`**${guide.title}**`, body, guides.map(citation).join('\n')].join('\n\n');
    return extractive.choices ? { text, choices: extractive.choices } : { text };
  }

  /** Records a turn where only the follow-up was condensed (the question was abstained on or refused). */
  async skipped(prepared: Prepared, askId: number): Promise<void> {
    if (prepared.condensed || prepared.usage) await this.record(askId, 'skipped', [], prepared, prepared.usage, prepared.ms);
  }

  /** system (+ style, abstention, scam warning) and user (sources + question) messages. */
  private messages(input: { sources: string; question: string; language: 'vi' | 'en'; scam: boolean }): ChatMessage[] {
    const p = this.options.prompts;
    const language = LANGUAGE_NAME[input.language];
    const system = [
      render(p.system),
      render(p.style, { language, max_steps: MAX_STEPS }),
      render(p.abstention, { marker: ABSTAIN_MARKER }),
      ...(input.scam ? [render(p['scam-warning'])] : []),
    ].join('\n\n');
    return [
      { role: 'system', content: system },
      { role: 'user', content: render(p.answer, { sources: input.sources, question: input.question, language }) },
    ];
  }

  private async secondGuide(result: AskResult, first: StoredGuide): Promise<StoredGuide[]> {
    const [top, second] = result.candidates;
    if (!top || !second || top.guideId !== first.id) return [];
    if (second.confidence < this.options.minConfidence || second.confidence < top.confidence * SECOND_GUIDE_SHARE) return [];
    const guide = await getGuide(this.options.db, second.guideId);
    return guide ? [guide] : [];
  }

  private async record(
    askId: number,
    outcome: Outcome,
    violations: unknown[],
    prepared: Prepared,
    usage: Usage | undefined,
    ms: number,
  ): Promise<void> {
    await this.options.db
      .query(
        `insert into generations (ask_id, model, prompt_version, outcome, violations, condensed,
                                  prompt_tokens, completion_tokens, latency_ms)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          askId,
          this.model,
          this.options.prompts.version,
          outcome,
          JSON.stringify(violations),
          prepared.condensed ?? null,
          usage?.prompt ?? null,
          usage?.completion ?? null,
          ms,
        ],
      )
      .catch((err: Error) => this.options.log.error({ err: err.message }, 'llm: could not record the generation'));
  }
}

/**
 * The context of an answer: each guide's sections as stored for search (title — heading, then the lines; the
 * one-line answer goes with the steps) and its official page. Guides hold no personal data.
 */
async function guideSources(db: Queryable, guides: readonly StoredGuide[]): Promise<string> {
  const ids = guides.map((g) => g.id);
  const rows = await db.query<{ guide_id: string; text: string }>(
    `select guide_id, text from chunks where guide_id = any($1::text[]) and kind = 'section'
      order by array_position($1::text[], guide_id), ord`,
    [ids],
  );
  return guides
    .map((g) =>
      [`### ${g.title}`, ...rows.filter((r) => r.guide_id === g.id).map((r) => r.text), `Trang chính thức: ${g.sources[0]}`].join('\n\n'),
    )
    .join('\n\n');
}

/** The answer without source lines the model may add (the exact citation is ours) and without extra blank lines. */
function tidy(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*[*_]*\s*(nguồn|nguon|sources?)\s*[*_]*\s*:/i.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function stepCount(text: string): number {
  return text.split('\n').filter((line) => /^\s*\d{1,2}[.)]\s/.test(line)).length;
}

function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a || !b) return a ?? b;
  return { prompt: a.prompt + b.prompt, completion: a.completion + b.completion };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (even if the request does not notice at once). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
