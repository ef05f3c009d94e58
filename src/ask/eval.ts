import { readFile } from 'node:fs/promises';
import { fold, isDiacriticFree } from '../text/normalize.ts';
import type { AskResult } from './asker.ts';

export interface EvalLine {
  q: string;
  expect: string[];
  style?: string;
}

export interface EvalFigures {
  n: number;
  /** How many of the n must be abstained from. */
  offtopic: number;
  hit1: number;
  hit3: number;
  mrr: number;
  /** Of the questions the assistant abstained on, the share that should have been abstained on. */
  abstain_precision: number;
  /** Of the questions that should be abstained on, the share it abstained on. */
  abstain_recall: number;
  /** Share of answerable questions it abstained on. */
  false_abstain: number;
  p50_ms: number;
  p95_ms: number;
}

export interface EvalReport extends EvalFigures {
  by_style: Record<string, EvalFigures>;
  /** Questions present both with and without diacritics (same text once folded): hit@1 of each form. */
  twins: { pairs: number; accented_hit1: number; plain_hit1: number };
  misses: { q: string; expect: string[]; got: string[]; style?: string; confidence: number; decision: string }[];
}

export async function readEvalFile(path: string): Promise<EvalLine[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim());
  return lines.map((line, i) => {
    let row: Partial<EvalLine>;
    try {
      row = JSON.parse(line) as Partial<EvalLine>;
    } catch {
      throw new Error(`${path}:${i + 1}: not valid JSON`);
    }
    if (typeof row.q !== 'string' || !Array.isArray(row.expect)) throw new Error(`${path}:${i + 1}: needs "q" and "expect"`);
    return { q: row.q, expect: row.expect.map(String), ...(row.style ? { style: String(row.style) } : {}) };
  });
}

/**
 * Retrieval quality over an evaluation file.
 * - hit@k and MRR measure the ranking of answerable questions: is an expected guide among the top k candidates?
 *   (When the assistant abstains it still offers its closest guides, so the ranking matters there too.)
 * - The decision is measured apart: a question with an empty `expect` must be abstained from or refused
 *   (abstain precision/recall), and `false_abstain` is the share of answerable questions it did not answer.
 */
export async function evaluate(lines: EvalLine[], ask: (q: string) => Promise<AskResult>): Promise<EvalReport> {
  const rows: { line: EvalLine; result: AskResult }[] = [];
  for (const line of lines) rows.push({ line, result: await ask(line.q) });
  const figures = summarize(rows);
  const styles = [...new Set(rows.map((r) => r.line.style ?? 'unspecified'))].sort();
  const by_style = Object.fromEntries(styles.map((s) => [s, summarize(rows.filter((r) => (r.line.style ?? 'unspecified') === s))]));
  const misses = rows
    .filter(({ line, result }) => rankOf(line, result) !== 1 || (line.expect.length > 0 && result.decision !== 'answer'))
    .map(({ line, result }) => ({
      q: line.q,
      expect: line.expect,
      got: result.candidates.slice(0, 3).map((c) => c.guideId),
      ...(line.style ? { style: line.style } : {}),
      confidence: round(result.confidence),
      decision: result.decision,
    }));
  return { ...figures, by_style, twins: twins(rows), misses };
}

/** 1-based rank of the first expected guide (0: not among the candidates); for abstain lines 1 when abstained. */
function rankOf(line: EvalLine, result: AskResult): number {
  if (line.expect.length === 0) return result.decision !== 'answer' ? 1 : 0;
  const i = result.candidates.findIndex((c) => line.expect.includes(c.guideId));
  return i < 0 ? 0 : i + 1;
}

function twins(rows: { line: EvalLine; result: AskResult }[]): EvalReport['twins'] {
  const byFold = new Map<string, { accented?: number; plain?: number }>();
  for (const r of rows) {
    if (!r.line.expect.length) continue;
    const key = fold(r.line.q);
    const entry = byFold.get(key) ?? {};
    entry[isDiacriticFree(r.line.q) ? 'plain' : 'accented'] = rankOf(r.line, r.result) === 1 ? 1 : 0;
    byFold.set(key, entry);
  }
  const pairs = [...byFold.values()].filter((e) => e.accented !== undefined && e.plain !== undefined);
  const mean = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
  return { pairs: pairs.length, accented_hit1: mean(pairs.map((p) => p.accented!)), plain_hit1: mean(pairs.map((p) => p.plain!)) };
}

function summarize(rows: { line: EvalLine; result: AskResult }[]): EvalFigures {
  const answerable = rows.filter((r) => r.line.expect.length > 0);
  const offTopic = rows.filter((r) => r.line.expect.length === 0);
  const abstained = rows.filter((r) => r.result.decision !== 'answer');
  const ranks = answerable.map((r) => rankOf(r.line, r.result));
  const share = (k: number) => (answerable.length ? ranks.filter((x) => x > 0 && x <= k).length / answerable.length : 0);
  const latencies = rows.map((r) => r.result.latencyMs).sort((a, b) => a - b);
  return {
    n: rows.length,
    offtopic: offTopic.length,
    hit1: round(share(1)),
    hit3: round(share(3)),
    mrr: round(answerable.length ? ranks.reduce((s, x) => s + (x ? 1 / x : 0), 0) / answerable.length : 0),
    abstain_precision: round(abstained.length ? abstained.filter((r) => r.line.expect.length === 0).length / abstained.length : 1),
    abstain_recall: round(offTopic.length ? offTopic.filter((r) => r.result.decision !== 'answer').length / offTopic.length : 1),
    false_abstain: round(answerable.length ? answerable.filter((r) => r.result.decision !== 'answer').length / answerable.length : 0),
    p50_ms: round(percentile(latencies, 0.5)),
    p95_ms: round(percentile(latencies, 0.95)),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
