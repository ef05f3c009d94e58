/**
 * The path of a turn (issue 13): for one Zalo text message and one daily lesson, every src file and function on the
 * way from intake to the send, with the SQL statements each runs and the calls to the platform.
 *
 *   npx tsx bench/turn-path.ts [--json] [--trials=5]
 *
 * The app is put together as `npm start` does it (src/main.ts): embedded database (in memory), HTTP server, the Zalo
 * channel by webhook (PUBLIC_URL set: the production path), the background workers — against the tests' fake Zalo Bot
 * Platform on loopback. Before the app is built, its database port (src/db/types.ts) is wrapped so that every `query`
 * and `exec`, inside transactions too, is recorded with the stack that issued it; undici's diagnostics channel gives
 * the stack of every call to the fake platform. Each stack is reduced to its frames in src/, named from the source
 * (the enclosing named function, read with the TypeScript parser), so the tool names no function of src/ itself and
 * keeps working when they are renamed: only the entry points below know how the app is assembled.
 *
 * Frames in src/db/ (the port's own implementations) are left out. A statement counts for the innermost src function
 * on its stack; BEGIN and COMMIT are not statements here, each transaction is counted once where it was opened.
 *
 * Each scenario is measured `trials` times on fresh users. What a poll loop's own timer callback started (the intake's
 * 2 s poll) is recognised on its stack and left out; a loop that sleeps on a promise (the push and lesson workers)
 * cannot be told apart that way, so the trial with the fewest events is shown — a tick can only add statements — with
 * every trial's count and what the others had beyond it.
 *
 * Besides the entry points it leans on: the tests' fake Zalo (tests/fakes/zalo.ts), the conversation as a citizen
 * sees it (/dangky, "1", "6h30", the first words of the answers it checks), and, for its own set-up only,
 * `subscriptions.next_due_at` and `users (channel, external_id)`. Those are behaviour, not names; if one changes, the
 * tool stops with a message saying which step failed.
 */
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';
import type { Db, Queryable } from '../src/db/index.ts';
import { startFakeZalo, zaloText, type FakeZalo } from '../tests/fakes/zalo.ts';

// ───── Entry points: the only lines that know how the app is assembled. They mirror src/main.ts; after a refactor,
// ───── make them do what main.ts does then. `wrap` must see the database before anything else is built on it.
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDb } from '../src/db/index.ts';
import { LESSON_SCHEDULE_TASK } from '../src/learn/worker.ts';
import { createLogger } from '../src/log.ts';
import { serve } from '../src/serve.ts';

interface Running {
  /** Where the HTTP server listens. */
  url: string;
  /** The database unwrapped: the bench's own set-up statements are not the app's. */
  raw: Db;
  /** Runs the lesson scheduler now instead of at its next tick (it then kicks lesson delivery, as in production). */
  runLessonScheduler(): void;
  stop(): Promise<void>;
}

async function startApp(env: Record<string, string>, wrap: (db: Db) => Db): Promise<Running> {
  const config = loadConfig(env);
  const log = createLogger('warn', 'stderr');
  const raw = await openDb(config, log, { memory: true });
  const app = await createApp(config, log, { db: wrap(raw), progress: () => {} });
  const serving = await serve(app, { port: 0, host: '127.0.0.1' });
  return {
    url: serving.address,
    raw,
    runLessonScheduler: () => serving.background.kick(LESSON_SCHEDULE_TASK),
    async stop() {
      await serving.stop();
      await app.close();
      await raw.close();
    },
  };
}
// ───── end of the entry points

const ROOT = resolve(import.meta.dirname, '..');
const SRC = `${ROOT}/src/`;
/** The platform's header for the webhook secret (Zalo's name, not ours). */
const SECRET_HEADER = 'x-bot-api-secret-token';
/**
 * The search index re-reads its generation when it has not for 2 s: the measured message comes after a pause longer
 * than that, varied per trial so that the trials do not all meet the poll loops at the same moment of their period.
 */
const PAUSE_MS = 2500;

// ───── Recording: statements, transactions and platform calls, each with its chain of src frames

interface Frame {
  file: string;
  fn: string;
}

interface Event {
  kind: 'sql' | 'transaction' | 'http';
  /** SQL: its kind (select, insert, with…update); http: the platform method. */
  what: string;
  /** SQL: its first words. */
  text?: string;
  /** The transaction a statement ran in (numbered per run), or the one a `transaction` event opened. */
  tx?: number;
  /** src frames, outermost first. */
  chain: Frame[];
  /** Started by a timer callback of src/ (a poll loop's tick), not by what the scenario did. */
  tick?: boolean;
}

class Recorder {
  private stacks: { event: Omit<Event, 'chain'>; stack: string }[] = [];
  private recording = false;
  lastAt = 0;

  start(): void {
    this.stacks = [];
    this.recording = true;
  }

  /** Stops; the stacks are read only now, so that recording costs the app next to nothing. */
  stop(): Event[] {
    this.recording = false;
    return this.stacks.map(({ event, stack }) => ({ ...event, chain: srcChain(stack), ...(startedByTimer(stack) ? { tick: true } : {}) }));
  }

  note(event: Omit<Event, 'chain'>): void {
    this.lastAt = Date.now(); // recording or not: `quiet()` waits on it
    if (!this.recording) return;
    this.stacks.push({ event, stack: new Error().stack ?? '' });
  }
}

/** The database, every statement and transaction recorded; nothing else changes. */
function counted(db: Db, rec: Recorder): Db {
  let transactions = 0;
  const recorded = (q: Queryable, tx?: number): Queryable => ({
    query: <T>(sql: string, params?: readonly unknown[]) => {
      rec.note({ kind: 'sql', what: kindOf(sql), text: firstWords(sql), ...(tx ? { tx } : {}) });
      return q.query<T>(sql, params);
    },
  });
  const overrides: Partial<Db> = {
    ...recorded(db),
    exec: (sql) => {
      rec.note({ kind: 'sql', what: kindOf(sql), text: firstWords(sql) });
      return db.exec(sql);
    },
    transaction: (fn) => {
      const tx = ++transactions;
      rec.note({ kind: 'transaction', what: 'transaction', tx });
      return db.transaction((inner) => fn(recorded(inner, tx)));
    },
  };
  return new Proxy(db, {
    get: (target, key, receiver) => (key in overrides ? overrides[key as keyof Db] : Reflect.get(target, key, receiver)),
  });
}

/** Calls to the fake platform, from undici's own diagnostics channel (the client is not touched). */
function recordPlatformCalls(rec: Recorder, origin: string): void {
  diagnostics.channel('undici:request:create').subscribe((message) => {
    const { request } = message as { request: { origin: string; path: string } };
    if (request.origin === origin) rec.note({ kind: 'http', what: request.path.split('/').at(-1)! });
  });
}

/**
 * select, insert, update, delete; a statement with common table expressions is `with…` its main verb, then the verbs
 * of the CTEs that write: `with…update` (a claim), `with…select+insert+update` (the lesson scheduler).
 */
function kindOf(sql: string): string {
  const s = sql.trim().toLowerCase();
  const first = /^\w+/.exec(s)?.[0] ?? '?';
  if (first !== 'with') return first;
  const writes: string[] = [];
  let depth = 0;
  for (let i = 4; i < s.length; i++) {
    if (s[i] === '(') {
      const verb = ++depth === 1 ? /^\s*(insert|update|delete)\b/.exec(s.slice(i + 1))?.[1] : undefined;
      if (verb) writes.push(verb);
    } else if (s[i] === ')') depth--;
    else if (depth === 0 && /\W/.test(s[i - 1]!)) {
      const verb = /^(select|insert|update|delete)\b/.exec(s.slice(i))?.[1];
      if (verb) return `with…${[verb, ...writes].join('+')}`;
    }
  }
  return 'with';
}

const firstWords = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 64 ? `${flat.slice(0, 63)}…` : flat;
};

/** The frames of a stack that are in src/ (not the database port itself, src/db/), outermost first. */
function srcChain(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n').slice(1).reverse()) {
    const m = /((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const path = m[1]!.replace(/^file:\/\//, '');
    if (!path.startsWith(SRC) || path.startsWith(`${SRC}db/`)) continue;
    const frame = { file: relative(ROOT, path), fn: functionAt(path, Number(m[2]), Number(m[3])) };
    const last = frames.at(-1);
    if (last?.file !== frame.file || last.fn !== frame.fn) frames.push(frame);
  }
  return frames;
}

/** Whether the outermost frame of the stack is a src function called by Node's timer list (a setTimeout callback). */
function startedByTimer(stack: string): boolean {
  const lines = stack.split('\n');
  const timers = lines.findIndex((l) => /\blistOnTimeout\b/.test(l));
  return timers > 0 && lines[timers - 1]!.includes(SRC);
}

/** Each src file parsed once: the name of every function in it, by position. */
const parsed = new Map<string, { source: ts.SourceFile; names: Map<ts.Node, string> }>();

/**
 * The function around a position, named from the source: `Class.method`, `outer.inner`, `object.property`; an
 * anonymous callback counts as part of the function around it. A name used twice in a file gets its line.
 */
function functionAt(path: string, line: number, column: number): string {
  let file = parsed.get(path);
  if (!file) {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const names = new Map<ts.Node, string>();
    const visit = (node: ts.Node, outer: string) => {
      const own = ownName(node);
      const name = own ? (outer ? `${outer}.${own}` : own) : outer;
      if (own && ts.isFunctionLike(node)) names.set(node, name);
      node.forEachChild((child) => visit(child, name));
    };
    visit(source, '');
    const seen = new Map<string, number>();
    for (const name of names.values()) seen.set(name, (seen.get(name) ?? 0) + 1);
    for (const [node, name] of names) {
      if (seen.get(name)! > 1) names.set(node, `${name}@${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
    }
    parsed.set(path, (file = { source, names }));
  }
  const pos = file.source.getPositionOfLineAndCharacter(line - 1, column - 1);
  let node: ts.Node | undefined = file.source;
  let inner: ts.Node | undefined = node;
  while (inner) {
    node = inner;
    inner = node.getChildren(file.source).find((c) => c.getStart(file.source) <= pos && pos < c.getEnd());
  }
  for (; node; node = node.parent) if (file.names.has(node)) return file.names.get(node)!;
  return '(module)';
}

/** A class, a named function or method, or a function or object literal given a name by what holds it. */
function ownName(node: ts.Node): string | undefined {
  if (ts.isClassLike(node)) return node.name?.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (!ts.isFunctionLike(node) && !ts.isObjectLiteralExpression(node)) return undefined;
  const name = (node as { name?: ts.Node }).name;
  if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) return name.text;
  const holder = node.parent;
  if (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder) || ts.isPropertyDeclaration(holder)) return holder.name.getText();
  return undefined;
}

// ───── Summaries

/** What one function did itself (as the innermost src frame of an event). */
interface Counts {
  /** Statements, by kind. */
  kinds: Record<string, number>;
  /** Of those, how many inside a transaction. */
  inTransaction: number;
  /** Transactions it opened. */
  transactions: number;
  /** Platform methods it called. */
  http: string[];
}

type Fn = Frame & Counts;
type Node = Fn & { children: Node[] };

const keyOf = (f: Frame) => `${f.file}:${f.fn}`;
const blank = (f: Frame): Node => ({ file: f.file, fn: f.fn, kinds: {}, inTransaction: 0, transactions: 0, http: [], children: [] });
const statementsOf = (c: Pick<Counts, 'kinds'>) => Object.values(c.kinds).reduce((a, b) => a + b, 0);

function count(c: Counts, e: Event): void {
  if (e.kind === 'sql') {
    c.kinds[e.what] = (c.kinds[e.what] ?? 0) + 1;
    if (e.tx) c.inTransaction++;
  } else if (e.kind === 'transaction') c.transactions++;
  else c.http.push(e.what);
}

/**
 * The call tree of the events' chains, children in the order first seen. An async stack ends at some awaits (inside a
 * transaction's callback, in a worker woken by a signal): a chain whose outermost function is already in the tree is
 * drawn on from that function's latest appearance.
 */
function treeOf(events: Event[]): Node[] {
  const roots: Node[] = [];
  const latest = new Map<string, Node>();
  for (const e of events) {
    const chain = e.chain.length ? e.chain : [{ file: '(no src frame)', fn: '' }];
    let node = latest.get(keyOf(chain[0]!));
    let level = node ? node.children : roots;
    for (const f of node ? chain.slice(1) : chain) {
      node = level.find((n) => keyOf(n) === keyOf(f));
      if (!node) level.push((node = blank(f)));
      latest.set(keyOf(f), node);
      level = node.children;
    }
    count(node!, e);
  }
  return roots;
}

/** Every function on the path once, in the order first seen, with what it did itself. */
function functionsOf(events: Event[]): Fn[] {
  const all = new Map<string, Fn>();
  for (const e of events) {
    for (const f of e.chain) if (!all.has(keyOf(f))) all.set(keyOf(f), { ...f, kinds: {}, inTransaction: 0, transactions: 0, http: [] });
    const inner = e.chain.at(-1);
    if (inner) count(all.get(keyOf(inner))!, e);
  }
  return [...all.values()];
}

const SENDS = new Set(['sendMessage', 'sendPhoto']);

function totalsOf(events: Event[]) {
  const kinds: Record<string, number> = {};
  for (const e of events) if (e.kind === 'sql') kinds[e.what] = (kinds[e.what] ?? 0) + 1;
  const send = events.findIndex((e) => e.kind === 'http' && SENDS.has(e.what));
  const sql = (list: Event[]) => list.filter((e) => e.kind === 'sql').length;
  return {
    statements: statementsOf({ kinds }),
    kinds,
    inTransaction: events.filter((e) => e.kind === 'sql' && e.tx).length,
    transactions: events.filter((e) => e.kind === 'transaction').length,
    /** Statements before the (first) send to the citizen, and after it (marking it sent, looking for more). */
    beforeSend: sql(send < 0 ? events : events.slice(0, send)),
    afterSend: send < 0 ? 0 : sql(events.slice(send)),
    platformCalls: events.filter((e) => e.kind === 'http').map((e) => e.what),
  };
}

const kindList = (kinds: Record<string, number>) =>
  Object.entries(kinds)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');

function describe(c: Counts): string {
  const parts: string[] = [];
  const sql = statementsOf(c);
  if (sql) parts.push(`${sql} SQL (${kindList(c.kinds)}${c.inTransaction ? `; ${c.inTransaction} in a transaction` : ''})`);
  if (c.transactions) parts.push(`opens ${c.transactions} transaction${c.transactions > 1 ? 's' : ''}`);
  if (c.http.length) parts.push(`→ Zalo ${c.http.join(', ')}`);
  return parts.join(' · ');
}

interface Result {
  scenario: string;
  what: string;
  notes: string[];
  /** Statements in each trial; the fewest is the one described. */
  trials: number[];
  /** Statements of each trial's warm-up. */
  warmUps: number[];
  /** What the other trials had beyond it (background ticks that fell in their window), by trial. */
  extra: { trial: number; events: Event[] }[];
  /** Events of all trials started by a timer callback in src/ (a poll loop's tick): left out of every count. */
  ticks: Event[];
  totals: ReturnType<typeof totalsOf>;
  functions: Fn[];
  tree: Node[];
  events: Event[];
}

function summary(scenario: string, what: string, notes: string[], runs: Trial[]): Result {
  // what a poll loop's own timer started is not this turn's
  const trials = runs.map((r) => r.measured.filter((e) => !e.tick));
  const ticks = runs.flatMap((r) => r.measured.filter((e) => e.tick));
  if (trials.some((t) => !t.some((e) => e.kind === 'http' && SENDS.has(e.what)))) throw new Error(`${scenario}: a trial recorded no send`);
  const fewest = [...trials].sort((a, b) => a.length - b.length)[0]!;
  // transactions numbered from 1 in the order they were opened
  const numbers = new Map(fewest.filter((e) => e.kind === 'transaction').map((e, i) => [e.tx, i + 1]));
  const events = fewest.map((e) => (e.tx ? { ...e, tx: numbers.get(e.tx) ?? e.tx } : e));
  return {
    scenario,
    what,
    notes,
    trials: trials.map((t) => totalsOf(t).statements),
    warmUps: runs.map((r) => totalsOf(r.warmUp.filter((e) => !e.tick)).statements),
    extra: trials.map((t, i) => ({ trial: i + 1, events: beyond(t, fewest) })).filter((x) => x.events.length),
    ticks,
    totals: totalsOf(events),
    functions: functionsOf(events),
    tree: treeOf(events),
    events,
  };
}

/** The events of `trial` left over once each of `base` is matched (same kind, statement and chain). */
function beyond(trial: Event[], base: Event[]): Event[] {
  const sig = (e: Event) => `${e.kind} ${e.what} ${e.chain.map(keyOf).join(' > ')}`;
  const left = new Map<string, number>();
  for (const e of base) left.set(sig(e), (left.get(sig(e)) ?? 0) + 1);
  return trial.filter((e) => {
    const n = left.get(sig(e)) ?? 0;
    left.set(sig(e), n - 1);
    return n <= 0;
  });
}

const said = (e: Event) =>
  `${e.kind === 'sql' ? e.what : e.kind === 'http' ? `Zalo ${e.what}` : 'a transaction'} from ${e.chain.map((f) => f.fn).join(' › ')}`;

function print(r: Result): string {
  const out: string[] = [`══ ${r.scenario}: ${r.what}`, ...r.notes.map((n) => `   ${n}`), ''];
  const t = r.totals;
  out.push(
    `   total: ${t.statements} SQL statements (${kindList(t.kinds)}), ` +
      `${t.inTransaction} of them in ${t.transactions} transaction${t.transactions === 1 ? '' : 's'} ` +
      `(each also sends BEGIN and COMMIT, not counted); Zalo calls: ${t.platformCalls.join(', ') || 'none'}`,
    `   before the send: ${t.beforeSend} statements; after it: ${t.afterSend} (marking it sent, looking for more)`,
    `   trials (statements in each): ${r.trials.join(', ')} — the fewest is shown; warm-ups: ${r.warmUps.join(', ')}`,
    ...r.extra.flatMap((x) => x.events.map((e) => `     trial ${x.trial} also had: ${said(e)}`)),
    ...(r.ticks.length ? [`   left out, started by a poll loop's own timer (${r.ticks.length} in all trials):`] : []),
    ...[...new Set(r.ticks.map(said))].map((line) => `     ${line}`),
    '',
    '   The path (call tree of src frames; each line: what that function runs itself):',
  );
  const width = Math.max(...flatten(r.tree).map(({ node, depth }) => depth * 2 + node.file.length + node.fn.length + 1));
  for (const { node, depth } of flatten(r.tree)) {
    const name = `${'  '.repeat(depth)}${node.file}:${node.fn}`;
    const does = describe(node);
    out.push(`     ${does ? `${name.padEnd(width)}   ${does}` : name}`);
  }
  out.push('', '   Every function on the path, in order (SQL it runs itself):');
  const fw = Math.max(...r.functions.map((f) => f.file.length + f.fn.length + 1));
  for (const f of r.functions) out.push(`     ${`${f.file}:${f.fn}`.padEnd(fw)}   ${describe(f) || '—'}`);
  out.push('', '   Statements and calls in order (innermost src function):');
  const kw = Math.max(...r.events.map((e) => e.what.length));
  r.events.forEach((e, i) => {
    const inner = e.chain.at(-1);
    const where = inner ? `${inner.file}:${inner.fn}` : '(no src frame)';
    const what =
      e.kind === 'sql'
        ? `${e.what.padEnd(kw)}  ${e.text}${e.tx ? `  [tx ${e.tx}]` : ''}`
        : e.kind === 'transaction'
          ? `transaction ${e.tx} opened (its statements are marked [tx ${e.tx}])`
          : `→ Zalo ${e.what}`;
    out.push(`     ${String(i + 1).padStart(2)}. ${where}`, `         ${what}`);
  });
  return out.join('\n');
}

function flatten(nodes: Node[], depth = 0): { node: Node; depth: number }[] {
  return nodes.flatMap((node) => [{ node, depth }, ...flatten(node.children, depth + 1)]);
}

// ───── The scenarios, driven over loopback HTTP as Zalo and a citizen would

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const pause = () => sleep(PAUSE_MS + Math.random() * 2000);

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const trialCount = Number(args.find((a) => a.startsWith('--trials='))?.split('=')[1] ?? 5);

Error.stackTraceLimit = 200;
const rec = new Recorder();
const fake: FakeZalo = await startFakeZalo();
recordPlatformCalls(rec, fake.base);
const running = await startApp(
  {
    KNOWLEDGE_DIR: resolve(ROOT, 'knowledge'),
    PROMPTS_DIR: resolve(ROOT, 'prompts'),
    DATA_DIR: '/tmp/binhdan-turn-path-unused',
    LOG_LEVEL: 'warn',
    ZALO_BOT_TOKEN: fake.token,
    ZALO_API_BASE: fake.base,
    PUBLIC_URL: 'https://bot.example.vn',
  },
  (db) => counted(db, rec),
);
const hook = fake.calls.find((c) => c.method === 'setWebhook')!.body as { url: string; secret_token: string };
const webhook = running.url + new URL(hook.url).pathname;

/** A text message from `user`, as Zalo posts it to the webhook; resolves once the citizen has `replies` messages in all. */
async function say(user: string, text: string, replies: number): Promise<string> {
  const res = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SECRET_HEADER]: hook.secret_token },
    body: JSON.stringify(zaloText(text, user)),
  });
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  return received(user, replies);
}

async function received(user: string, replies: number): Promise<string> {
  await until(`reply ${replies} to ${user}`, () => fake.sent(user).length >= replies);
  return String(fake.sent(user)[replies - 1]!.body.text ?? fake.sent(user)[replies - 1]!.body.caption);
}

/** Records what `run` causes, until no statement has come for 300 ms after it returned (the workers' follow-up rounds). */
async function measure(run: () => Promise<unknown>): Promise<Event[]> {
  await quiet();
  rec.start();
  await run();
  await quiet();
  return rec.stop();
}

async function quiet(ms = 300): Promise<void> {
  rec.lastAt = Date.now();
  await until('quiet', () => Date.now() - rec.lastAt >= ms);
}

const QUESTION = 'quen mat khau vneid';

interface Trial {
  warmUp: Event[];
  measured: Event[];
}

async function textMessageTrial(i: number): Promise<Trial> {
  const user = `zl-turn-${i}`;
  // the warm-up creates the user; a different question, so that its choices cannot turn the next one into a pick
  const warmUp = await measure(() => say(user, 'lam sao doi so dien thoai tren vneid', 1));
  await pause();
  let answer = '';
  const measured = await measure(async () => (answer = await say(user, QUESTION, 2)));
  if (!/^Quên mật khẩu/.test(answer)) throw new Error(`unexpected answer: ${answer.slice(0, 80)}`);
  return { warmUp, measured };
}

async function dailyLessonTrial(i: number): Promise<Trial> {
  const user = `zl-lesson-${i}`;
  // subscribed through the conversation: /dangky → course 1 → "6h30" (a quiet-hours hour: never held, whenever this runs)
  await say(user, '/dangky', 1);
  await say(user, '1', 2);
  if (!/Đã đăng ký/.test(await say(user, '6h30', 3))) throw new Error('not subscribed');
  // "the clock": the subscription comes due a minute ago
  const due = () =>
    running.raw.query(
      `update subscriptions set next_due_at = now() - interval '1 minute'
        where user_id = (select id from users where channel = 'zalo' and external_id = $1)`,
      [user],
    );
  let first = '';
  const warmUp = await measure(async () => {
    await due();
    running.runLessonScheduler();
    first = await received(user, 4);
  });
  if (!/Bài 1\//.test(first)) throw new Error('lesson 1 not sent');
  await say(user, '1', 5); // the quiz answered by its number: the next day brings lesson 2
  await pause();
  let lesson = '';
  const measured = await measure(async () => {
    await due(); // in the window, so that no tick of the scheduler can send it before
    running.runLessonScheduler();
    lesson = await received(user, 6);
  });
  if (!/Bài 2\//.test(lesson)) throw new Error(`unexpected lesson: ${lesson.slice(0, 80)}`);
  return { warmUp, measured };
}

async function trials(run: (i: number) => Promise<Trial>): Promise<Trial[]> {
  const all: Trial[] = [];
  for (let i = 1; i <= trialCount; i++) all.push(await run(i));
  return all;
}

try {
  const results = [
    summary(
      'A',
      `one Zalo text message ("${QUESTION}") from a known user, webhook → sendMessage`,
      [
        'Production wiring (src/main.ts): PUBLIC_URL set, so Zalo posts to the webhook; the reply goes out through the push worker.',
        `Warm-up: one earlier message from the same user (creates the user); ` +
          `then a pause of ${PAUSE_MS / 1000}–${PAUSE_MS / 1000 + 2} s, so the search index checks its`,
        'generation as it does for any message after a quiet spell (within 2 s of another question that select is skipped).',
        'Measured: from the webhook POST until 300 ms after the last statement (the push worker marks the row sent and looks again).',
        "The warm-ups' counts differ from the measured one only by that generation check and by background ticks.",
      ],
      await trials(textMessageTrial),
    ),
    summary(
      'B',
      'one daily lesson to a subscribed Zalo user, scheduler → sendMessage',
      [
        'Subscribed through the conversation (/dangky, 1, "6h30"); the subscription set due a minute ago; the scheduler task kicked',
        '(instead of waiting for its 15 s tick), which kicks lesson delivery, as in production.',
        'Warm-up: lesson 1 delivered and its quiz answered ("1"); measured: lesson 2, due the same way after a pause —',
        'a subscriber on an ordinary day. Measured until 300 ms after the last statement (delivery looks again after sending).',
        'Lesson 1 (the warm-up) runs the same statements as lesson 2; its counts differ only by background ticks.',
      ],
      await trials(dailyLessonTrial),
    ),
  ];
  console.log(json ? JSON.stringify(results, null, 2) : results.map(print).join('\n\n'));
} finally {
  await running.stop();
  await fake.close();
}
