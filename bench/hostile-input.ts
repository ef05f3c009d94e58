/**
 * One client must not stall everyone: normal questions from one web session, alone and then while 5 other sessions
 * send 50 messages at once, each a 2,000-letter "word" plus a question. Real HTTP on loopback, embedded database.
 * Prints the normal questions' p50/p95 unloaded and loaded, and their ratio (the issue's bound: p95 within 2×).
 *   npx tsx bench/hostile-input.ts [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createServer } from '../src/http/server.ts';
import { createLogger } from '../src/log.ts';
import { percentile } from './faq-corpus.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const rounds = Number(values.rounds ?? 3);
// The per-address limit is off: every client here is 127.0.0.1, and the point is what one message can cost.
const app = await createApp(
  loadConfig({ ...process.env, LOG_LEVEL: 'silent', WEB_REQUESTS_PER_MINUTE: '0' }),
  createLogger('silent', 'stderr'),
  { memory: true, progress: () => {} },
);
const server = await createServer(app);
const base = await server.listen({ port: 0, host: '127.0.0.1' });
const QUESTIONS = ['quen mat khau vneid', 'doi so dien thoai tren vneid', 'dang ky tam tru online', 'xin ly lich tu phap', 'gia han gplx'];
const chat = async (session: string, text: string) => {
  const started = performance.now();
  const res = await fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session, text }),
  });
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
};
async function normal(session: string, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await chat(`${session}-${i}`, QUESTIONS[i % QUESTIONS.length]!)).ms);
  return ms;
}
const word = 'a'.repeat(2000);
const unloaded: number[] = [];
const loaded: number[] = [];
const statuses = new Map<number, number>();
for (let r = 0; r < rounds; r++) {
  unloaded.push(...(await normal(`calm-${r}`, 30)));
  const attack = Promise.all(
    Array.from({ length: 5 }, (_, s) =>
      Promise.all(
        Array.from({ length: 50 }, () =>
          chat(`attacker-${r}-${s}`, `${word} quen mat khau`).then((x) => statuses.set(x.status, (statuses.get(x.status) ?? 0) + 1)),
        ),
      ),
    ),
  );
  loaded.push(...(await normal(`busy-${r}`, 30)));
  await attack;
}
const f = (x: number) => x.toFixed(1);
console.log(
  `normal questions unloaded: p50 ${f(percentile(unloaded, 50))} ms, p95 ${f(percentile(unloaded, 95))} ms (n ${unloaded.length})`,
);
console.log(
  'normal questions during 5×50 messages with a 2,000-letter word: ' +
    `p50 ${f(percentile(loaded, 50))} ms, p95 ${f(percentile(loaded, 95))} ms`,
);
console.log(
  `p95 ratio loaded / unloaded: ${(percentile(loaded, 95) / percentile(unloaded, 95)).toFixed(2)} (bound: 2); ` +
    `attackers' answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`,
);
await server.close();
await app.close();
