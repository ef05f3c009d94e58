import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Logger } from '../log.ts';
import { lockDataDir } from './lock.ts';
import type { Db, Queryable } from './types.ts';

/**
 * Embedded PostgreSQL (WASM) with pgvector, pg_trgm and unaccent.
 * `dir` is a data directory on disk, or `undefined` for an in-memory database (tests, `--db memory`).
 * PGlite is a single session: statements are serialised, so concurrency tests belong on a server.
 * A folder on disk is locked for this process first (`<dir>.lock`): a second process on it is refused.
 */
export async function openPglite(dir?: string, log?: Logger, options: { loadDataDir?: Blob } = {}): Promise<Db> {
  const lock = dir ? lockDataDir(dir, log) : undefined;
  let pg: PGlite;
  try {
    if (dir) await mkdir(dir, { recursive: true });
    pg = await PGlite.create({
      ...(dir ? { dataDir: dir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      extensions: { vector, pg_trgm, unaccent },
    });
    await pg.exec(
      'create extension if not exists vector; create extension if not exists pg_trgm; create extension if not exists unaccent;',
    );
  } catch (err) {
    lock?.release();
    throw err;
  }
  const asQueryable = (q: { query: PGlite['query'] }): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
  });
  const since = new Date();
  return {
    kind: 'pglite',
    hasVector: true,
    ...asQueryable(pg),
    async exec(sql) {
      await pg.exec(sql);
    },
    transaction: (fn) => pg.transaction((tx) => fn(asQueryable(tx))),
    dump: async () => pg.dumpDataDir('none'),
    health: () => ({ up: true, since }),
    close: async () => {
      try {
        await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
