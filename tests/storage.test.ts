import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { listMigrations, migrate } from '../src/db/migrate.ts';
import { silentLogger } from '../src/log.ts';
import { serverAppFor } from './helpers/app.ts';
import { pgAvailable } from './helpers/pg.ts';

describe('migrations on PGlite', () => {
  it('apply every migration once, vector included', async () => {
    const db = await openPglite();
    const all = (await listMigrations()).map((m) => m.name);
    expect(await migrate(db, silentLogger)).toEqual(all);
    expect(await migrate(db, silentLogger)).toEqual([]);
    const cols = await db.query<{ column_name: string }>(`select column_name from information_schema.columns where table_name = 'chunks'`);
    expect(cols.map((c) => c.column_name)).toContain('embedding');
    await db.close();
  });
});

const serverUp = await pgAvailable();

describe.skipIf(!serverUp)('the PostgreSQL server (no pgvector)', () => {
  const server = serverAppFor({ beforeAll, afterAll });

  it('migrates with the same SQL, skipping the vector migration where pgvector is missing', async () => {
    expect(server.app.db.kind).toBe('postgres');
    const applied = await server.app.db.query<{ name: string }>('select name from schema_migrations order by version');
    const vectorOnes = (await listMigrations()).filter((m) => m.requires.includes('vector')).map((m) => m.name);
    expect(applied.map((r) => r.name)).toEqual(
      (await listMigrations()).map((m) => m.name).filter((n) => server.app.db.hasVector || !vectorOnes.includes(n)),
    );
  });

  it('answers from guides with lexical retrieval only', async () => {
    expect(server.app.db.hasVector).toBe(false);
    const r = await server.app.asker.ask('quen mat khau vneid thi lam sao');
    expect(r.candidates[0]?.guideId).toBe('vneid-quen-mat-khau');
    expect(r.decision).toBe('answer');
    expect((await server.app.asker.ask('thời tiết ngày mai ở Huế thế nào')).decision).not.toBe('answer');
  });

  it('migrates once when several processes start at once', async () => {
    const dbs = await Promise.all([openPostgres(server.url, silentLogger, 2), openPostgres(server.url, silentLogger, 2)]);
    const results = await Promise.all(dbs.map((db) => migrate(db, silentLogger)));
    expect(results).toEqual([[], []]);
    await Promise.all(dbs.map((db) => db.close()));
  });
});
