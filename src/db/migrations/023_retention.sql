-- The daily privacy job (src/console/retention.ts): citizens' data older than RETENTION_DAYS is deleted, and each run
-- is written down here. One row per Vietnam day: the job inserts it first and goes on only if the insert went in, so
-- the job runs at most once a day whichever process gets there first. finished_at null: the run stopped half-way (a
-- crash); what it did not reach is deleted by the next day's run.
create table retention_runs (
  day             date primary key,
  retention_days  int not null,
  started_at      timestamptz not null,
  finished_at     timestamptz,
  -- rows deleted, per table ({"messages": 120, "asks": 40, …}); no text, no ids
  deleted         jsonb not null default '{}'
);
