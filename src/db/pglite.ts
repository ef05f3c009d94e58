import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Db, Queryable } from './types.ts';

/**
 * Embedded PostgreSQL (WASM) with pgvector, pg_trgm and unaccent.
 * `dir` is a data directory on disk, or `undefined` for an in-memory database (tests, `--db memory`).
 * PGlite is a single session: statements are serialised, so concurrency tests belong on a server.
 */
export async function openPglite(dir?: string, options: { loadDataDir?: Blob } = {}): Promise<Db> {
  if (dir) await mkdir(dir, { recursive: true });
  const pg = await PGlite.create({
    ...(dir ? { dataDir: dir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: { vector, pg_trgm, unaccent },
  });
  await pg.exec('create extension if not exists vector; create extension if not exists pg_trgm; create extension if not exists unaccent;');
  const asQueryable = (q: { query: PGlite['query'] }): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
  });
  return {
    kind: 'pglite',
    hasVector: true,
    ...asQueryable(pg),
    async exec(sql) {
      await pg.exec(sql);
    },
    transaction: (fn) => pg.transaction((tx) => fn(asQueryable(tx))),
    close: () => pg.close(),
    dump: async () => pg.dumpDataDir('none'),
  };
}
