import { isHarmfulRequest, isPromptInjection, isScamStory } from '../safety/signals.ts';
import type { Candidate, Retriever } from './retrieve.ts';

/**
 * Below this confidence the assistant abstains (`ASK_MIN_CONFIDENCE`): the lowest threshold giving ≥ 0.90 precision on
 * questions.jsonl and ≈ 0.85 on the FAQ fit half, read off the risk–coverage curves of bench/fit-confidence.ts.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.6;

export interface AskResult {
  question: string;
  candidates: Candidate[];
  /** Confidence of the top candidate (0 when there is none). */
  confidence: number;
  /** `answer`: the top guide answers it; `abstain`: not sure; `refuse`: a harmful request. */
  decision: 'answer' | 'abstain' | 'refuse';
  latencyMs: number;
}

/** Category of the scam and safety guides. */
const SAFETY_CATEGORY = 'an-toan';

/**
 * Retrieval plus the decision to answer, abstain or refuse. Stateless and stores nothing: the ask feature records
 * each result (ask/records.ts).
 */
export class Asker {
  constructor(
    private readonly retriever: Retriever,
    private readonly minConfidence = DEFAULT_MIN_CONFIDENCE,
  ) {}

  async ask(question: string): Promise<AskResult> {
    const started = performance.now();
    if (isHarmfulRequest(question)) {
      return { question, candidates: [], confidence: 0, decision: 'refuse', latencyMs: performance.now() - started };
    }
    if (isPromptInjection(question)) {
      return { question, candidates: [], confidence: 0, decision: 'abstain', latencyMs: performance.now() - started };
    }
    const { candidates } = await this.retriever.retrieve(question);
    const confidence = candidates[0]?.confidence ?? 0;
    // A scam story is evidence of its own that a scam guide is what the citizen needs, however it is worded.
    const scamAnswer = candidates[0]?.category === SAFETY_CATEGORY && isScamStory(question);
    return {
      question,
      candidates,
      confidence,
      decision: confidence >= this.minConfidence || scamAnswer ? 'answer' : 'abstain',
      latencyMs: performance.now() - started,
    };
  }
}
