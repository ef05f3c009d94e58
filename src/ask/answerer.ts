import type { Turn } from '../core/conversation.ts';
import type { Reply } from '../core/message.ts';
import type { AskResult } from './asker.ts';
import type { StoredGuide } from './guides.ts';

/** A turn made ready by {@link Answerer.prepare}; the ask feature reads only the question and hands the rest back. */
export interface PreparedQuestion {
  /** The question to retrieve with (a follow-up condensed into a standalone question, or the message). */
  question: string;
}

/**
 * What the ask feature needs of generated answers, when an LLM is configured: implemented by generate/answerer.ts,
 * which builds on this slice (so the dependency runs generate → ask, never back).
 */
export interface Answerer {
  /** The model name, e.g. for `/healthz`. */
  readonly model: string;
  /** Before retrieval: the question to search with. */
  prepare(turn: Turn): Promise<PreparedQuestion>;
  /** The reply for `guide` (the top candidate of `result`): generated from it, or `extractive` when that cannot be sent. */
  compose(prepared: PreparedQuestion, result: AskResult, guide: StoredGuide, extractive: Reply, askId: number): Promise<Reply>;
  /** The question was not answered from a guide (abstained, refused or an FAQ entry sent as written). */
  skipped(prepared: PreparedQuestion, askId: number): Promise<void>;
}
