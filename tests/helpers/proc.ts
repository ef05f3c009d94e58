import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { KNOWLEDGE, PROMPTS } from './app.ts';
import { waitUntil } from './wait.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  running(): boolean;
}

/** Runs `src/<entry>` in a real node process (tsx), with the test knowledge and the given environment. */
export function runEntry(entry: 'main.ts' | 'cli.ts', args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/${entry}`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', KNOWLEDGE_DIR: KNOWLEDGE, PROMPTS_DIR: PROMPTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((ok) =>
    child.once('exit', (code, signal) => {
      done = true;
      ok({ code, signal, at: Date.now() });
    }),
  );
  return { child, output: () => out, exited, running: () => !done };
}

/** `npm run cli -- …` to completion. */
export async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const p = runEntry('cli.ts', args, { LOG_LEVEL: 'warn', ...env });
  const { code } = await p.exited;
  return { code, output: p.output() };
}

export async function healthOf(base: string): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** Waits for `/healthz` to answer 200 (start-up includes ingesting the guides: slow on a loaded machine). */
export async function waitHealthy(base: string, proc: Proc, ms = 150_000): Promise<void> {
  await waitUntil(
    async () => {
      if (!proc.running()) throw new Error(`the process exited during start-up:\n${proc.output()}`);
      return (await healthOf(base))?.status === 200;
    },
    `${base}/healthz`,
    ms,
  );
}

export async function stopProc(proc: Proc): Promise<void> {
  if (!proc.running()) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  await proc.exited;
  clearTimeout(timer);
}
