import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import type { Db } from './types.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any number; held while migrating so that several processes starting at once migrate once. */
const MIGRATION_LOCK = 4_242_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Extensions named in a `-- requires: a, b` header line. */
  requires: string[];
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(dir + name, 'utf8');
      const requires =
        /^--\s*requires:\s*(.+)$/m
          .exec(sql)?.[1]
          ?.split(',')
          .map((s) => s.trim()) ?? [];
      return { version: Number.parseInt(name, 10), name, sql, requires };
    }),
  );
}

/**
 * Applies, in order, the numbered SQL files not yet recorded in `schema_migrations`, each in its own transaction.
 * A migration that requires `vector` is skipped while the extension is missing and applied once it is there.
 */
export async function migrate(db: Db, log: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(`create table if not exists schema_migrations (
    version int primary key, name text not null, applied_at timestamptz not null default now())`);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version));
    for (const m of await listMigrations(dir)) {
      if (done.has(m.version)) continue;
      if (m.requires.includes('vector') && !db.hasVector) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
  });
  if (applied.length) log.info({ applied }, 'database migrated');
  return applied;
}

/** Splits a migration file into statements (no `;` inside strings or function bodies in our migrations). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/^\s*--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
