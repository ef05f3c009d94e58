import pg from 'pg';
import type { Logger } from '../log.ts';
import type { Db, Queryable } from './types.ts';

/**
 * A PostgreSQL server through a `pg` pool. `pg_trgm` and `unaccent` are created if missing; `vector` only if the
 * server has pgvector installed — otherwise the assistant runs with lexical retrieval and says so once.
 */
export async function openPostgres(url: string, log?: Logger, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', (err) => log?.error({ err: err.message }, 'postgres pool error'));
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end();
    throw new Error(`cannot connect to DATABASE_URL: ${(err as Error).message}`);
  }
  for (const ext of ['pg_trgm', 'unaccent']) {
    await pool.query(`create extension if not exists ${ext}`);
  }
  const available = await pool.query(`select 1 from pg_available_extensions where name = 'vector'`);
  let hasVector = false;
  if (available.rowCount) {
    await pool.query('create extension if not exists vector');
    hasVector = true;
  }
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
  });
  return {
    kind: 'postgres',
    hasVector,
    ...wrap(pool),
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(wrap(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
