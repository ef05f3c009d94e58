import { resolve } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';

export const KNOWLEDGE = resolve(import.meta.dirname, '../../knowledge');

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ KNOWLEDGE_DIR: KNOWLEDGE, DATA_DIR: '/tmp/binhdan-test-unused', LOG_LEVEL: 'silent', ...env });
}

/** The real app on an in-memory PGlite with the real guides. */
export function memoryApp(env: Record<string, string> = {}): Promise<App> {
  return createApp(testConfig(env), silentLogger, { memory: true, progress: () => {} });
}
