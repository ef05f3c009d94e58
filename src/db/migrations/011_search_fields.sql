-- Search moves to an exact in-memory BM25F index built from each entry's fields (src/ask/search-index.ts). The
-- tsvector, the postings table and the lexicon it replaces go. `fields` holds the text of each searched field.
alter table guides add column fields jsonb not null default '{}';
alter table guides drop column tsv;
drop table postings;
drop table lexicon;
