import pg from 'pg';

/** The PostgreSQL server of this machine kind (CI starts it); tests each get their own throw-away database. */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    if (process.env.CI) throw new Error(`CI: the PostgreSQL server at ${PG_ADMIN_URL} is not reachable`);
    console.warn(`PostgreSQL server not reachable at ${PG_ADMIN_URL}: server tests skipped`);
    return false;
  }
}

/**
 * A throw-away database on the server: empty, or a copy of `template` (the run's migrated and ingested fixture, see
 * global-setup.ts: a file copy instead of ingesting every guide again).
 */
export async function createTestDatabase(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `binhdan_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`create database ${name}${template ? ` template ${template}` : ''}`);
  return { url: databaseUrl(name), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `sql` as the server's admin (create or drop a database). */
export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
