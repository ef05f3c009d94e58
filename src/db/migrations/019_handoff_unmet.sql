-- A request nobody could take: no volunteer reachable on any running channel (the default install has none, the
-- terminal cannot push). The citizen is pointed to in-person help at once; the request is kept as 'unmet' (never
-- open, closed when made) with its problem line, so operators see the demand in `cli handoff stats`.
alter table tickets drop constraint tickets_status_check;
alter table tickets add constraint tickets_status_check
  check (status in ('draft', 'waiting', 'active', 'closed', 'cancelled', 'unmet'));
create index tickets_unmet_idx on tickets (created_at) where status = 'unmet';
