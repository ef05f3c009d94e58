/**
 * Generated answers against a local fake OpenAI-compatible server (no real model: this measures our side).
 * Prints one JSON object:
 * - `turn_ms`: whole turns (retrieval + generation + checks + storage) over the answerable eval questions, the fake
 *   answering at once with the guide's first steps verbatim, against the same turns with retrieval only;
 * - `outcomes`: what the checks decided on those verbatim answers (anything but `ok` is a false alarm);
 * - `fallback_over_deadline_ms`: how long past LLM_TIMEOUT_MS the extractive answer arrives when the server hangs.
 *   npx tsx bench/generation.ts [QUESTIONS=120] [TIMEOUT_MS=1000]
 */
import { resolve } from 'node:path';
import { createApp, type App } from '../src/app.ts';
import { percentile, readEvalFile } from '../src/ask/eval.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { startFakeOpenAI } from '../tests/fakes/openai.ts';

const KNOWLEDGE = resolve(import.meta.dirname, '../knowledge');
const n = Number(process.argv[2] ?? 120);
const timeoutMs = Number(process.argv[3] ?? 1000);
const questions = (await readEvalFile(`${KNOWLEDGE}/eval/questions.jsonl`)).filter((q) => q.expect.length).slice(0, n);

const fake = await startFakeOpenAI(undefined, (body) => {
  const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
  return {
    content: `Mình chỉ bạn nhé.\n${user
      .split('\n')
      .filter((l) => /^\d\. /.test(l))
      .slice(0, 4)
      .join('\n')}`,
  };
});
const base = { KNOWLEDGE_DIR: KNOWLEDGE, PROMPTS_DIR: resolve(import.meta.dirname, '../prompts'), LOG_LEVEL: 'silent' };
const open = (env: Record<string, string>) =>
  createApp(loadConfig({ ...base, ...env }), silentLogger, { memory: true, progress: () => {} });

async function turns(app: App, texts: string[]): Promise<number[]> {
  const ms: number[] = [];
  for (const [i, text] of texts.entries()) {
    const started = performance.now();
    await app.conversation.handle({ channel: 'terminal', userId: `bench-${i}`, kind: 'text', text });
    ms.push(performance.now() - started);
  }
  return ms;
}
const summary = (values: number[]) => {
  const ms = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(ms, 0.5)), p95: round(percentile(ms, 0.95)), max: round(ms.at(-1) ?? 0) };
};
const round = (x: number) => Math.round(x * 10) / 10;

const retrieval = await open({});
const plain = await turns(
  retrieval,
  questions.map((q) => q.q),
);
await retrieval.close();

const llm = await open({ OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-chat', LLM_TIMEOUT_MS: String(timeoutMs) });
const generated = await turns(
  llm,
  questions.map((q) => q.q),
);
const outcomes = Object.fromEntries(
  (await llm.db.query<{ outcome: string; n: string }>('select outcome, count(*) as n from generations group by outcome')).map((r) => [
    r.outcome,
    Number(r.n),
  ]),
);
const [checks] = await llm.db.query<{ p50: number }>(
  `select percentile_cont(0.5) within group (order by latency_ms) as p50 from generations`,
);
fake.chat = () => ({ delayMs: 60_000 });
const hung = await turns(
  llm,
  questions.slice(0, 10).map((q) => q.q),
);
await llm.close();
await fake.close();

console.log(
  JSON.stringify(
    {
      questions: questions.length,
      turn_ms: { retrieval_only: summary(plain), generated: summary(generated) },
      generation_ms_p50: round(Number(checks?.p50 ?? 0)),
      outcomes,
      timeout_ms: timeoutMs,
      fallback_over_deadline_ms: summary(hung.map((ms) => ms - timeoutMs)),
    },
    null,
    1,
  ),
);
