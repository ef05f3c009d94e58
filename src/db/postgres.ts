import pg from 'pg';
import type { Logger } from '../log.ts';
import type { Db, DbHealth, Queryable } from './types.ts';

export interface PostgresOptions {
  /** Connections in the pool. */
  poolSize?: number;
  /** Deadline of opening one connection (and of waiting for a free one in the pool). */
  connectTimeoutMs?: number;
  /** Server-side `statement_timeout`; the client gives up on a silent server a connect timeout later. */
  statementTimeoutMs?: number;
  /** Server-side `idle_in_transaction_session_timeout`: a transaction left open by a stuck caller is ended. */
  idleInTransactionTimeoutMs?: number;
  /** How often `select 1` checks a server that may have gone away (and comes back). */
  probeIntervalMs?: number;
}

export const POSTGRES_DEFAULTS = {
  poolSize: 10,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 15_000,
  idleInTransactionTimeoutMs: 60_000,
  probeIntervalMs: 2000,
} satisfies Required<PostgresOptions>;

/**
 * Whether an error says the connection or the server is gone (not that a statement was wrong): socket errors,
 * SQLSTATE class 08, an administrator's shutdown or a server starting up, and pg's own timeouts.
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code) return /^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code) || /^E[A-Z]+$/.test(code);
  return /Connection terminated|timeout expired|Query read timeout|connection timeout|connection error|not queryable|ECONNRE/i.test(
    String(e?.message ?? ''),
  );
}

/** `host:port` of a postgres:// URL, for messages (never the user or password). */
export function whereIs(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * A PostgreSQL server through a `pg` pool. `pg_trgm` and `unaccent` are created if missing; `vector` only if the
 * server has pgvector installed — otherwise the assistant runs with lexical retrieval and says so once.
 *
 * The server may go away and come back (a restart, a fail-over): every connection has an `'error'` listener (idle and
 * checked out), a connection that failed is discarded rather than returned to the pool, every query has a deadline,
 * and a cheap periodic `select 1` keeps {@link Db.health} current. Queries made while it is down fail fast and the
 * callers retry as they always do; nothing waits for the probe to come back.
 */
export async function openPostgres(url: string, log?: Logger, options: PostgresOptions | number = {}): Promise<Db> {
  const o = { ...POSTGRES_DEFAULTS, ...(typeof options === 'number' ? { poolSize: options } : options) };
  const where = whereIs(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    // the server enforces statement_timeout; this is for a server that stopped answering altogether
    query_timeout: o.statementTimeoutMs + o.connectTimeoutMs,
    keepAlive: true,
    application_name: 'binhdan',
  });

  let health: DbHealth = { up: true, since: new Date() };
  let probing: Promise<void> | undefined;
  let closed = false;
  const markUp = () => {
    if (health.up) return;
    const downFor = (Date.now() - health.since.getTime()) / 1000;
    health = { ...health, up: true, since: new Date() };
    log?.warn(`database at ${where} is back after ${downFor.toFixed(1)} s`);
  };
  const markDown = (err: unknown) => {
    const message = (err as Error)?.message ?? String(err);
    const now = new Date();
    if (health.up) log?.error({ err: message }, `database at ${where} is down: ${message} (queries fail until it is back; retrying)`);
    health = { up: false, since: health.up ? now : health.since, lastError: message, lastErrorAt: now };
  };
  /** One `select 1` at a time, with its own deadline so that a frozen server shows as down too. */
  const probe = (): Promise<void> => {
    if (closed) return Promise.resolve();
    probing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('select 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${o.connectTimeoutMs / 1000} s`)), o.connectTimeoutMs);
          }),
        ]);
        markUp();
      } catch (err) {
        if (!closed) markDown(err);
      } finally {
        clearTimeout(timer);
        probing = undefined;
      }
    })();
    return probing;
  };
  /** Query outcomes feed the health: a success means it answers; a connection failure asks the probe at once. */
  const track = async <T>(p: Promise<T>): Promise<T> => {
    try {
      const result = await p;
      markUp();
      return result;
    } catch (err) {
      if (isConnectionError(err)) void probe();
      throw err;
    }
  };

  // Idle clients: pg-pool discards them and emits here. Checked-out clients: without a listener of their own an
  // 'error' (e.g. "terminating connection due to administrator command") would be an unhandled event and end the process.
  pool.on('error', (err) => {
    log?.warn({ err: err.message }, 'postgres: an idle connection failed (discarded)');
    void probe();
  });
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      log?.warn({ err: err.message }, 'postgres: a connection failed');
      void probe();
    });
  });

  try {
    await pool.query('select 1');
  } catch (err) {
    await Promise.race([pool.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    throw new Error(startupMessage(err, where, o.connectTimeoutMs), { cause: err });
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
  const timer = setInterval(() => void probe(), o.probeIntervalMs);
  timer.unref();

  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await track(client.query(sql, params as unknown[]))).rows as T[];
    },
  });
  return {
    kind: 'postgres',
    hasVector,
    ...wrap(pool),
    async exec(sql) {
      await track(pool.query(sql));
    },
    async transaction(fn) {
      const client = await track(pool.connect());
      let broken: unknown;
      const onError = (err: Error) => {
        broken ??= err;
      };
      client.on('error', onError);
      try {
        await client.query('begin');
        const result = await fn(wrap(client));
        await track(client.query('commit'));
        return result;
      } catch (err) {
        if (broken === undefined && !isConnectionError(err)) {
          await client.query('rollback').catch((e: unknown) => {
            broken = e;
          });
        } else {
          broken ??= err;
        }
        throw err;
      } finally {
        client.removeListener('error', onError);
        // released with the error, the pool destroys the connection instead of handing it out again
        client.release(broken === undefined ? undefined : broken instanceof Error ? broken : new Error(String(broken)));
      }
    },
    health: () => ({ ...health }),
    close: async () => {
      closed = true;
      clearInterval(timer);
      await probing;
      await pool.end();
    },
  };
}

function startupMessage(err: unknown, where: string, connectTimeoutMs: number): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (/timeout/i.test(message)) return `database at ${where} did not answer within ${connectTimeoutMs / 1000} s (DATABASE_URL)`;
  if (e?.code === 'ECONNREFUSED') return `database at ${where} refused the connection: nothing listens there (DATABASE_URL)`;
  return `cannot connect to the database at ${where}: ${message} (DATABASE_URL)`;
}
