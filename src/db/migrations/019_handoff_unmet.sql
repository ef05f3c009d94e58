-- Requests nobody could take: no volunteer reachable on any running channel (the default install has none, the
-- terminal cannot push). The citizen is pointed to in-person help at once and no ticket is opened; the request is
-- written down here (problem line redacted), so operators see the demand in `cli handoff stats`.
create table handoff_unmet (
  id          bigserial primary key,
  citizen_id  bigint not null references users(id) on delete cascade,
  -- the channel the citizen asked on (a desk reachable on no channel, or a channel that cannot push, like the terminal)
  channel     text not null,
  -- the problem given, or the citizen's last question; personal numbers redacted
  problem     text,
  created_at  timestamptz not null default now()
);
create index handoff_unmet_created_idx on handoff_unmet (created_at);
create index handoff_unmet_citizen_idx on handoff_unmet (citizen_id, created_at);
