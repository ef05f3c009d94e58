import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pgvector from 'pgvector';
import type { Db, Queryable } from '../db/index.ts';
import type { Embedder } from '../embeddings/types.ts';
import type { Abbreviations } from '../text/abbreviations.ts';
import { chunkGuide } from './chunks.ts';
import type { Guide } from './guide.ts';
import { INDEX_GENERATION_KEY, indexFields } from './index-terms.ts';
import { loadGuides, type Problem } from './load.ts';

/** Bump when the way guides are indexed changes, so every guide is re-indexed once. */
const INDEX_VERSION = 'v2';
/** From this many changed guides on, the vector index is rebuilt once instead of updated per row. */
const BULK_GUIDES = 200;
/** Changed guides written per transaction. */
const BATCH = 50;

export interface IngestSummary {
  guides: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  problems: Problem[];
  chunksEmbedded: number;
  reindexed: boolean;
  ms: number;
}

export interface IngestOptions {
  knowledgeDir: string;
  abbreviations: Abbreviations;
  embedder?: Embedder;
  /** Called with a short line per step, e.g. to print progress. */
  progress?: (line: string) => void;
}

/**
 * Brings the guide index in line with `knowledge/guides/`: parses every guide, and for each one whose content (or
 * the abbreviation list, the embedder or the index version) changed, rewrites its row, chunks and embeddings.
 * Unchanged guides cost one hash comparison; removed guides are deleted. Guides with problems are skipped and
 * reported (the previous version, if any, stays searchable).
 */
export async function ingest(db: Db, options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const say = options.progress ?? (() => {});
  const embedder = db.hasVector ? options.embedder : undefined;
  const { guides, problems } = await loadGuides(options.knowledgeDir);
  for (const p of problems) say(`skipped ${p.file}: ${p.problem}`);

  const reindexed = embedder ? await ensureEmbeddingColumn(db, embedder) : false;
  const abbreviationsHash = await fileHash(join(options.knowledgeDir, 'abbreviations.yaml'));
  const salt = [INDEX_VERSION, abbreviationsHash, embedder?.id ?? 'no-vector'].join('|');
  const hashOf = (g: Guide) =>
    createHash('sha256')
      .update(g.contentHash + salt)
      .digest('hex');

  const existing = new Map(
    (await db.query<{ id: string; content_hash: string }>('select id, content_hash from guides')).map((r) => [r.id, r.content_hash]),
  );
  const changed = guides.filter((g) => existing.get(g.id) !== hashOf(g));
  const failedIds = new Set(problems.map((p) => p.file.replace(/^.*\//, '').replace(/\.md$/, '')));
  const removedIds = [...existing.keys()].filter((id) => !guides.some((g) => g.id === id) && !failedIds.has(id));

  // Bulk loads go faster without maintaining the vector index row by row: drop it, rebuild it once at the end.
  const bulk = !!embedder && changed.length >= BULK_GUIDES;
  if (bulk) await db.query('drop index if exists chunks_embedding_idx');
  let chunksEmbedded = 0;
  for (let start = 0; start < changed.length; start += BATCH) {
    const batch = changed.slice(start, start + BATCH);
    // Chunking and embedding (maybe a network call) happen before the transaction opens.
    const prepared = await Promise.all(
      batch.map(async (guide) => {
        const chunks = await chunkGuide(guide);
        return { guide, chunks, vectors: embedder ? await embedder.embed(chunks.map((c) => c.text)) : undefined };
      }),
    );
    await db.transaction(async (tx) => {
      for (const { guide, chunks, vectors } of prepared) {
        await upsertGuide(tx, guide, hashOf(guide));
        await tx.query('delete from chunks where guide_id = $1', [guide.id]);
        await insertChunks(tx, guide.id, chunks, vectors);
        chunksEmbedded += vectors?.length ?? 0;
      }
    });
    say(`indexed ${start + batch.length}/${changed.length} changed guides`);
  }
  if (bulk) {
    say('building the vector index');
    await createVectorIndex(db, embedder!.dims);
  }
  if (removedIds.length) await db.query('delete from guides where id = any($1::text[])', [removedIds]);
  if (changed.length || removedIds.length) await bumpGeneration(db);

  const added = changed.filter((g) => !existing.has(g.id)).length;
  const summary: IngestSummary = {
    guides: guides.length,
    added,
    updated: changed.length - added,
    unchanged: guides.length - changed.length,
    removed: removedIds.length,
    problems,
    chunksEmbedded,
    reindexed,
    ms: Math.round(performance.now() - started),
  };
  say(
    `knowledge: ${summary.guides} guides (${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
      `${summary.removed} removed, ${problems.length} problems), ${chunksEmbedded} chunks embedded in ${summary.ms} ms`,
  );
  return summary;
}

async function upsertGuide(tx: Queryable, g: Guide, hash: string): Promise<void> {
  await tx.query(
    `insert into guides (id, title, category, sources, last_verified, answer, steps, notes, warnings, related, questions, file,
                         content_hash, fields, kind, pages, ministry, audience, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now())
     on conflict (id) do update set title = excluded.title, category = excluded.category, sources = excluded.sources,
       last_verified = excluded.last_verified, answer = excluded.answer, steps = excluded.steps, notes = excluded.notes,
       warnings = excluded.warnings, related = excluded.related, questions = excluded.questions, file = excluded.file,
       content_hash = excluded.content_hash, fields = excluded.fields, kind = excluded.kind, pages = excluded.pages,
       ministry = excluded.ministry, audience = excluded.audience, updated_at = now()`,
    [
      g.id,
      g.title,
      g.category,
      JSON.stringify(g.sources),
      g.lastVerified,
      g.answer,
      JSON.stringify(g.steps),
      JSON.stringify(g.notes),
      JSON.stringify(g.warnings),
      g.related,
      JSON.stringify(g.questions),
      g.file,
      hash,
      JSON.stringify(indexFields(g)),
      g.kind,
      JSON.stringify(g.pages),
      g.ministry ?? null,
      JSON.stringify(g.audience),
    ],
  );
}

async function insertChunks(tx: Queryable, guideId: string, chunks: Awaited<ReturnType<typeof chunkGuide>>, vectors?: number[][]) {
  const rows = chunks.map((c, i) => ({ ...c, ord: i, embedding: vectors?.[i] ? pgvector.toSql(vectors[i]) : null }));
  const columns = vectors ? '(guide_id, ord, kind, section, text, folded, embedding)' : '(guide_id, ord, kind, section, text, folded)';
  const select = vectors
    ? `select $1, r.ord, r.kind, r.section, r.text, r.folded, r.embedding::vector from jsonb_to_recordset($2::jsonb)
         as r(ord int, kind text, section text, text text, folded text, embedding text)`
    : `select $1, r.ord, r.kind, r.section, r.text, r.folded from jsonb_to_recordset($2::jsonb)
         as r(ord int, kind text, section text, text text, folded text)`;
  await tx.query(`insert into chunks ${columns} ${select}`, [guideId, JSON.stringify(rows)]);
}

/** Tells every process that the guides changed (they rebuild their search index on their next question). */
async function bumpGeneration(db: Db): Promise<void> {
  await db.query(
    `insert into meta (key, value) values ($1, to_jsonb(1))
     on conflict (key) do update set value = to_jsonb((meta.value #>> '{}')::bigint + 1), updated_at = now()`,
    [INDEX_GENERATION_KEY],
  );
}

/**
 * Makes the embedding column fit the embedder (dimension) and remembers which embedder filled it. A different
 * embedder than last time re-types the column, drops every stored vector and forces a full re-index.
 */
async function ensureEmbeddingColumn(db: Db, embedder: Embedder): Promise<boolean> {
  const row = (await db.query<{ value: string }>(`select value #>> '{}' as value from meta where key = 'embedder'`))[0];
  if (row?.value === embedder.id) return false;
  await db.transaction(async (tx) => {
    await tx.query('drop index if exists chunks_embedding_idx');
    await tx.query('alter table chunks drop column if exists embedding');
    await tx.query(`alter table chunks add column embedding vector(${Math.trunc(embedder.dims)})`);
    await createVectorIndex(tx, embedder.dims);
    await tx.query(`update guides set content_hash = ''`);
    await tx.query(
      `insert into meta (key, value) values ('embedder', to_jsonb($1::text))
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [embedder.id],
    );
  });
  return row !== undefined;
}

/** HNSW index for cosine search (pgvector indexes up to 2,000 dimensions; larger vectors are scanned exactly). */
async function createVectorIndex(db: Queryable, dims: number): Promise<void> {
  if (dims <= 2000) await db.query('create index if not exists chunks_embedding_idx on chunks using hnsw (embedding vector_cosine_ops)');
}

async function fileHash(path: string): Promise<string> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex')
      .slice(0, 16);
  } catch {
    return 'none';
  }
}
