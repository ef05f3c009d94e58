import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createApp } from '../../src/app.ts';
import { silentLogger } from '../../src/log.ts';
import { testConfig } from './app.ts';
import { adminQuery, databaseUrl, pgAvailable } from './pg.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of an embedded database migrated and ingested with the shipped knowledge, made once per run. */
    fixtureDataDir: string;
    /** The same on the PostgreSQL server, as a template database ('' without a server). */
    pgFixtureDb: string;
  }
}

/**
 * Once per test run: migrate an embedded database and ingest the shipped guides and courses into it, and dump it.
 * `memoryApp()` starts every test app from a copy, so ingestion (hashing, chunking, embeddings) is not redone per
 * file; a test with other knowledge or another embedder still gets a correct index (ingestion re-syncs). The same on
 * the PostgreSQL server when there is one: a template database that `serverAppFor()` copies.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const app = await createApp(testConfig(), silentLogger, { memory: true, progress: () => {} });
  const dump = await app.db.dump!();
  await app.close();
  const dir = mkdtempSync(join(tmpdir(), 'binhdan-fixture-'));
  const file = join(dir, 'pglite.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('fixtureDataDir', file);
  const pgFixture = (await pgAvailable()) ? `binhdan_fixture_${process.pid}` : '';
  if (pgFixture) {
    await adminQuery(`create database ${pgFixture}`);
    const onServer = await createApp(testConfig({ DATABASE_URL: databaseUrl(pgFixture) }), silentLogger, { progress: () => {} });
    await onServer.close();
  }
  project.provide('pgFixtureDb', pgFixture);
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (pgFixture) await adminQuery(`drop database if exists ${pgFixture} with (force)`);
  };
}
