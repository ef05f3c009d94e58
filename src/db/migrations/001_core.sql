-- Users, conversations, guides and their search index, asks and feedback.

create table users (
  id            bigserial primary key,
  channel       text not null,
  external_id   text not null,
  display_name  text,
  locale        text not null default 'vi',
  reachable     boolean not null default true,
  -- choices shown last, so a reply "2" (channels without buttons) maps back to a choice id
  pending       jsonb,
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  unique (channel, external_id)
);

-- Every message in and out, with ID numbers, phone numbers and codes already redacted.
create table messages (
  id          bigserial primary key,
  user_id     bigint not null references users(id) on delete cascade,
  direction   text not null check (direction in ('in', 'out')),
  text        text not null,
  created_at  timestamptz not null default now()
);
create index messages_user_idx on messages (user_id, id);

create table guides (
  id             text primary key,
  title          text not null,
  category       text not null,
  sources        jsonb not null,
  last_verified  date not null,
  answer         text not null,
  steps          jsonb not null,
  notes          jsonb not null,
  warnings       jsonb not null,
  related        text[] not null default '{}',
  questions      jsonb not null,
  file           text not null,
  content_hash   text not null,
  -- folded words and bigrams, weighted A (title, questions) B (keywords) C (body)
  tsv            tsvector not null,
  updated_at     timestamptz not null default now()
);
create index guides_tsv_idx on guides using gin (tsv);

-- The guide index inverted: one row per (term, guide) with the term's best field weight, derived from guides.tsv
-- (unnest(tsv)) at ingestion. Scoring with per-term idf reads a few postings instead of testing every tsvector.
create table postings (
  term      text not null,
  guide_id  text not null references guides(id) on delete cascade,
  weight    "char" not null,
  primary key (term, guide_id)
);
-- impact order: a term's postings in title/questions (A) first, so scoring can read only the best few hundred
create index postings_impact_idx on postings (term, weight, guide_id);
create index postings_guide_idx on postings (guide_id);

-- Searchable pieces of a guide: its title, each citizen question, each body section.
create table chunks (
  id        bigserial primary key,
  guide_id  text not null references guides(id) on delete cascade,
  ord       int not null,
  kind      text not null check (kind in ('title', 'question', 'section')),
  section   text not null,
  text      text not null,
  folded    text not null,
  unique (guide_id, ord)
);
create index chunks_trgm_idx on chunks using gin (folded gin_trgm_ops) where kind in ('title', 'question');
create index chunks_guide_kind_idx on chunks (guide_id, kind);

-- Document frequency of each term over guides, for term weights (idf) and confidence; df_ab counts the guides that
-- have it in their title, citizen questions or keywords (the words of the domain, as citizens say them).
create table lexicon (
  term   text primary key,
  df     int not null,
  df_ab  int not null
);

create table meta (
  key         text primary key,
  value       jsonb not null,
  updated_at  timestamptz not null default now()
);

-- Every question asked and what the assistant did: what operators read to find gaps in the guides.
create table asks (
  id          bigserial primary key,
  user_id     bigint references users(id) on delete set null,
  question    text not null,
  top_guide   text,
  confidence  real not null,
  abstained   boolean not null,
  latency_ms  real not null,
  created_at  timestamptz not null default now()
);
create index asks_abstained_idx on asks (abstained, created_at);

create table feedback (
  id          bigserial primary key,
  ask_id      bigint not null references asks(id) on delete cascade,
  user_id     bigint references users(id) on delete set null,
  value       smallint not null check (value in (-1, 1)),
  created_at  timestamptz not null default now(),
  unique (ask_id, user_id)
);
