/**
 * The conversation eval (knowledge/eval/conversations.jsonl) on both paths, on the same scenarios:
 * - `retrieval`: no LLM — follow-ups are read in the remembered topic (ask/followup.ts);
 * - `llm`: an LLM configured, here a scripted stand-in on a local fake OpenAI-compatible server — follow-ups are
 *   condensed by the "model" and answers generated from the guide. The stand-in condenses the way a careful model
 *   would without knowing our guides: the last citizen message of the history, then the new one; it answers with the
 *   guide's first numbered steps verbatim. The figure measures our side of the LLM path (condensing, retrieval on the
 *   condensed question, what is sent), not a real model's wording.
 * Prints one JSON object: per-turn accuracy, first messages, follow-ups, per style, and the turns that differ.
 *   npx tsx bench/conversations.ts [FILE=knowledge/eval/conversations.jsonl]
 */
import { resolve } from 'node:path';
import { createApp, type App } from '../src/app.ts';
import { evaluateConversations, readConversations, type ConversationReport } from '../src/ask/eval-conversations.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { startFakeOpenAI, type ChatMessageBody } from '../tests/fakes/openai.ts';

const ROOT = resolve(import.meta.dirname, '..');
const file = resolve(process.argv[2] ?? `${ROOT}/knowledge/eval/conversations.jsonl`);
const scenarios = await readConversations(file);

/** Text between the `<<<` `>>>` fences that follow `label` in the condense prompt. */
function fenced(content: string, label: string): string {
  const at = content.indexOf(label);
  const block = at < 0 ? undefined : /<<<\n?([\s\S]*?)\n?>>>/.exec(content.slice(at));
  return block?.[1]?.trim() ?? '';
}

function scriptedModel(messages: ChatMessageBody[]): string {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  if (system.includes('{{') || system.includes('Tin nhắn mới nhất')) {
    const history = fenced(system, 'Đoạn trò chuyện trước');
    const question = fenced(system, 'Tin nhắn mới nhất');
    const lastAsked = history
      .split('\n')
      .filter((l) => l.startsWith('Người dân: '))
      .at(-1)
      ?.slice('Người dân: '.length);
    return lastAsked ? `${lastAsked} — ${question}` : question;
  }
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const steps = user
    .split('\n')
    .filter((l) => /^\d\. /.test(l))
    .slice(0, 4);
  return `Mình chỉ bạn nhé.\n${steps.join('\n')}`;
}

const fake = await startFakeOpenAI(undefined, (body) => ({ content: scriptedModel(body.messages) }));
const base = { KNOWLEDGE_DIR: `${ROOT}/knowledge`, PROMPTS_DIR: `${ROOT}/prompts`, LOG_LEVEL: 'silent' };

async function run(env: Record<string, string>): Promise<ConversationReport> {
  const app: App = await createApp(loadConfig({ ...base, ...env }), silentLogger, { memory: true, progress: () => {} });
  try {
    const titles = new Map((await app.db.query<{ id: string; title: string }>('select id, title from guides')).map((r) => [r.title, r.id]));
    return await evaluateConversations(scenarios, (inbound) => app.conversation.handle(inbound), titles);
  } finally {
    await app.close();
  }
}

const retrieval = await run({});
const llm = await run({ OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-chat', LLM_TIMEOUT_MS: '5000' });
const condenseCalls = fake.requests.filter((r) => JSON.stringify(r.body).includes('Tin nhắn mới nhất')).length;
await fake.close();

const round = (x: number) => Math.round(x * 1000) / 1000;
const figures = (r: ConversationReport) => ({
  accuracy: round(r.accuracy),
  first: { n: r.first.n, accuracy: round(r.first.accuracy) },
  followups: { n: r.followups.n, accuracy: round(r.followups.accuracy) },
  by_style: Object.fromEntries(Object.entries(r.by_style).map(([k, f]) => [k, { n: f.n, accuracy: round(f.accuracy) }])),
});
const key = (m: ConversationReport['misses'][number]) => `${m.scenario}#${m.turn}`;
const missed = (r: ConversationReport) => new Set(r.misses.map(key));
const [onlyRetrieval, onlyLlm] = [missed(retrieval), missed(llm)];
console.log(
  JSON.stringify(
    {
      scenarios: retrieval.scenarios,
      turns: retrieval.turns,
      retrieval: figures(retrieval),
      llm: { ...figures(llm), condense_calls: condenseCalls, model_requests: fake.requests.length },
      missed_only_without_llm: [...onlyRetrieval].filter((k) => !onlyLlm.has(k)),
      missed_only_with_llm: llm.misses
        .filter((m) => !onlyRetrieval.has(key(m)))
        .map((m) => ({ turn: key(m), say: m.say, expect: m.expect, got: m.got.guides, text: m.text.slice(0, 160) })),
    },
    null,
    1,
  ),
);
