import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './types.ts';

export type { Db, DbHealth, Queryable } from './types.ts';
export { DataDirLockedError } from './lock.ts';

/**
 * Opens the store named by the configuration and brings its schema up to date.
 * `memory` opens a throw-away embedded database (tests, `cli eval --db memory`), a copy of `loadDataDir` when given.
 */
export async function openDb(
  config: Pick<Config, 'DATABASE_URL' | 'pgliteDir'> &
    Partial<Pick<Config, 'DATABASE_CONNECT_TIMEOUT_MS' | 'DATABASE_STATEMENT_TIMEOUT_MS'>>,
  log: Logger,
  options: { memory?: boolean; loadDataDir?: Blob } = {},
): Promise<Db> {
  const db = options.memory
    ? await openPglite(undefined, log, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {})
    : config.DATABASE_URL
      ? await openPostgres(config.DATABASE_URL, log, {
          ...(config.DATABASE_CONNECT_TIMEOUT_MS ? { connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS } : {}),
          ...(config.DATABASE_STATEMENT_TIMEOUT_MS ? { statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS } : {}),
        })
      : await openPglite(config.pgliteDir, log);
  if (!db.hasVector) {
    log.warn(
      'the PostgreSQL server has no pgvector extension: retrieval runs lexical-only (full-text + trigram). ' +
        'Install pgvector for vector search.',
    );
  }
  try {
    await migrate(db, log);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
