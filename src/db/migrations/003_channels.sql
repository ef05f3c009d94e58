-- Messaging channels: every platform update is processed once, even across webhook retries and restarts.
create table processed_updates (
  channel     text not null,
  key         text not null,
  created_at  timestamptz not null default now(),
  primary key (channel, key)
);
create index processed_updates_age_idx on processed_updates (created_at);
