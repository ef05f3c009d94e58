import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { silentLogger } from '../../src/log.ts';

export const KNOWLEDGE = resolve(import.meta.dirname, '../../knowledge');
export const PROMPTS = resolve(import.meta.dirname, '../../prompts');

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ KNOWLEDGE_DIR: KNOWLEDGE, PROMPTS_DIR: PROMPTS, DATA_DIR: '/tmp/binhdan-test-unused', LOG_LEVEL: 'silent', ...env });
}

/**
 * The database the global setup migrated and ingested with the shipped knowledge, as `createApp`'s `loadDataDir`
 * option (`{}` where it is missing: the app then ingests by itself).
 */
export async function fixtureData(): Promise<{ loadDataDir?: Blob }> {
  const fixture = inject('fixtureDataDir');
  return fixture ? { loadDataDir: new Blob([await readFile(fixture)]) } : {};
}

/** The real app on an in-memory PGlite with the real guides (a copy of the database the global setup ingested). */
export async function memoryApp(env: Record<string, string> = {}): Promise<App> {
  return createApp(testConfig(env), silentLogger, { memory: true, progress: () => {}, ...(await fixtureData()) });
}

/**
 * Fills an empty `DATA_DIR` with a copy of the ingested fixture, so a process started on it (`npm start`, a test's
 * `createApp`) opens an up-to-date database instead of ingesting every guide again. Leaves a used folder alone.
 */
export async function seedDataDir(dataDir: string): Promise<void> {
  const dir = resolve(dataDir, 'pglite');
  if (existsSync(dir)) return;
  const { loadDataDir } = await fixtureData();
  if (!loadDataDir) return;
  const db = await openPglite(dir, undefined, { loadDataDir });
  await db.close();
}

/**
 * The real app on a throw-away database of the PostgreSQL server, for a describe block: call in its body; use
 * `server.app` and `server.url` inside the tests.
 */
export function serverAppFor(
  hooks: { beforeAll: typeof import('vitest').beforeAll; afterAll: typeof import('vitest').afterAll },
  env: Record<string, string> = {},
) {
  const server = {} as { app: App; url: string };
  let drop: (() => Promise<void>) | undefined;
  hooks.beforeAll(async () => {
    const { createTestDatabase } = await import('./pg.ts');
    const database = await createTestDatabase(inject('pgFixtureDb') || undefined);
    drop = database.drop;
    server.url = database.url;
    server.app = await createApp(testConfig({ ...env, DATABASE_URL: database.url }), silentLogger, { progress: () => {} });
  });
  hooks.afterAll(async () => {
    await server.app?.close();
    await drop?.();
  });
  return server;
}
