import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { createApp } from './app.ts';
import { plainReply } from './channels/render.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';

/**
 * `npm run chat`: the assistant in the terminal, on the same core and database as `npm start`.
 * Choices are numbered; type the number. Ctrl+D or "/thoat" quits.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  // PGlite is single-process: the terminal keeps its own embedded database so it can run beside `npm start`.
  const config = loaded.DATABASE_URL ? loaded : { ...loaded, pgliteDir: `${loaded.pgliteDir}-terminal` };
  const app = await createApp(config, createLogger(process.env.LOG_LEVEL ?? 'warn', 'stderr'), { progress: () => {} });
  const user = process.env.CHAT_USER ?? `terminal-${randomUUID().slice(0, 8)}`;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const show = (text: string) => process.stdout.write(`\n${text}\n\n`);
  for (const r of await app.conversation.handle({ channel: 'terminal', userId: user, kind: 'text', text: '/start' })) show(plainReply(r));
  rl.setPrompt('Bạn: ');
  rl.prompt();
  try {
    for await (const line of rl) {
      if (/^\/(thoat|quit|exit)$/i.test(line.trim())) break;
      if (line.trim()) {
        for (const r of await app.conversation.handle({ channel: 'terminal', userId: user, kind: 'text', text: line })) show(plainReply(r));
      }
      rl.prompt();
    }
  } finally {
    rl.close();
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : `error: ${(err as Error).message}`);
  process.exit(1);
});
