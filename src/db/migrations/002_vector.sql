-- requires: vector
-- Embeddings of chunks. Applied only where the vector extension exists. The dimension follows the embedder: when the
-- embedder changes, ingestion re-types this column and rebuilds the index (see knowledge/ingest.ts).
alter table chunks add column embedding vector(384);
create index chunks_embedding_idx on chunks using hnsw (embedding vector_cosine_ops);
