import { isHarmfulRequest, isPromptInjection } from '../safety/signals.ts';
import type { Candidate, Retriever } from './retrieve.ts';

/** Below this confidence the assistant abstains (tuned on knowledge/eval/questions.jsonl; `ASK_MIN_CONFIDENCE`). */
export const DEFAULT_MIN_CONFIDENCE = 0.5;

export interface AskResult {
  question: string;
  candidates: Candidate[];
  /** Confidence of the top candidate (0 when there is none). */
  confidence: number;
  /** `answer`: the top guide answers it; `abstain`: not sure; `refuse`: a harmful request. */
  decision: 'answer' | 'abstain' | 'refuse';
  latencyMs: number;
}

/** Retrieval plus the decision to answer, abstain or refuse. Stateless; the conversation layer records the result. */
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
    return {
      question,
      candidates,
      confidence,
      decision: confidence >= this.minConfidence ? 'answer' : 'abstain',
      latencyMs: performance.now() - started,
    };
  }
}

