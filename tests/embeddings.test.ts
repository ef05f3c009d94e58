import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { openDb } from '../src/db/index.ts';
import { silentLogger } from '../src/log.ts';
import { LocalHashEmbedder } from '../src/embeddings/local.ts';
import { loadAbbreviations } from '../src/text/abbreviations.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai.ts';
import { KNOWLEDGE, memoryApp, testConfig } from './helpers/app.ts';

let fake: FakeOpenAI;
let app: App;
beforeAll(async () => {
  // The fake "model" is a 64-dimension hashed embedder, so that retrieval through it is meaningful.
  const model = new LocalHashEmbedder(await loadAbbreviations(`${KNOWLEDGE}/abbreviations.yaml`), 64);
  fake = await startFakeOpenAI((t) => model.embedOne(t));
  app = await memoryApp({
    EMBEDDINGS: 'openai',
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-fake',
    OPENAI_EMBEDDING_MODEL: 'fake-embed',
  });
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
});

describe('EMBEDDINGS=openai through @langchain/openai', () => {
  it('indexes the guides with the remote model and records which embedder filled the index', async () => {
    expect(app.embedder.id).toBe('openai:fake-embed:64');
    expect(fake.requests.some((r) => r.path === '/v1/embeddings' && r.body.model === 'fake-embed')).toBe(true);
    const [meta] = await app.db.query<{ v: string }>(`select value #>> '{}' as v from meta where key = 'embedder'`);
    expect(meta!.v).toBe('openai:fake-embed:64');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test-fake');
  });

  it('retrieves with the remote vectors', async () => {
    const r = await app.asker.ask('quen mat khau vneid');
    expect(r.candidates[0]?.guideId).toBe('vneid-quen-mat-khau');
    expect(r.candidates[0]!.vector).toBeGreaterThan(0.3);
  });

  it('never sends personal numbers to the endpoint', async () => {
    fake.requests.length = 0;
    await app.asker.ask('số căn cước 001203004567, sđt 0987654321 quên mật khẩu vneid');
    const sent = JSON.stringify(fake.requests.map((r) => r.body.input));
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(sent).not.toMatch(/001203004567|0987654321/);
  });
});

describe('a change of embedder re-indexes once', () => {
  it('local → openai → same again → another model: re-indexed, untouched, re-indexed; recorded in meta', async () => {
    const config = testConfig();
    const db = await openDb(config, silentLogger, { memory: true });
    try {
      const start = async (env: Record<string, string>) => {
        const started = await createApp(testConfig(env), silentLogger, { db, progress: () => {} });
        const [meta] = await db.query<{ v: string }>(`select value #>> '{}' as v from meta where key = 'embedder'`);
        return { summary: started.ingestSummary, embedder: meta!.v };
      };
      const remote = { EMBEDDINGS: 'openai', OPENAI_BASE_URL: fake.url, OPENAI_EMBEDDING_MODEL: 'fake-embed' };
      const local = await start({});
      expect(local.embedder).toBe('local-hash-v1:384');
      const switched = await start(remote);
      expect(switched).toMatchObject({
        embedder: 'openai:fake-embed:64',
        summary: { reindexed: true, updated: local.summary.guides, unchanged: 0 },
      });
      expect(switched.summary.chunksEmbedded).toBeGreaterThan(switched.summary.guides);
      const again = await start(remote);
      expect(again.summary).toMatchObject({ reindexed: false, unchanged: local.summary.guides, chunksEmbedded: 0 });
      const other = await start({ ...remote, OPENAI_EMBEDDING_MODEL: 'fake-embed-2' });
      expect(other).toMatchObject({ embedder: 'openai:fake-embed-2:64', summary: { reindexed: true, unchanged: 0 } });
    } finally {
      await db.close();
    }
  });
});
