/**
 * The one store. Every feature talks to Postgres through this small interface, so the same SQL runs on the embedded
 * PGlite (default) and on a PostgreSQL server (`DATABASE_URL`).
 */
export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Whether the `vector` extension (pgvector) is installed: without it, retrieval is lexical only. */
  readonly hasVector: boolean;
  /** Runs several statements separated by `;` (no parameters), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Whether the database answers, as last seen by the periodic probe or a query: a server that went away is `down`
   * until a probe or a query succeeds again. The embedded database is always `up`.
   */
  health(): DbHealth;
  close(): Promise<void>;
  /** The whole embedded database as a tarball (PGlite only), to open copies of it with `openPglite(…, {loadDataDir})`. */
  dump?(): Promise<Blob>;
}

export interface DbHealth {
  up: boolean;
  /** When it last changed state (or opened). */
  since: Date;
  /** What the last connection-level failure said, and when. */
  lastError?: string;
  lastErrorAt?: Date;
}
