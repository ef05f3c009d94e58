-- Durable intake: every update a webhook or a poll brings is a row first — recorded before it is acknowledged (200,
-- or the poll offset moved on), handled after by any process's intake worker (FOR UPDATE SKIP LOCKED, with a lease).
-- The row is marked handled in the same transaction that queues its replies in push_outbox. The rows are also the
-- de-duplication record (one per channel and update key), so processed_updates is no longer written; it stays for
-- processes of the previous version during a rolling restart.
create table inbound_updates (
  id               bigserial primary key,
  channel          text not null,
  -- Telegram update_id, Zalo message_id
  update_key       text not null,
  -- the chat the answer goes to: one chat's updates are handled one at a time, in order
  chat             text not null,
  -- what the turn needs (the neutral Inbound and where to answer), text fields redacted
  payload          jsonb not null,
  status           text not null default 'pending' check (status in ('pending', 'handled', 'failed')),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null default now(),
  -- a claimed row belongs to one worker until then (database clock); a worker that died leaves it to be claimed again
  lease_until      timestamptz,
  claimed_by       text,
  error            text,
  received_at      timestamptz not null default now(),
  handled_at       timestamptz,
  unique (channel, update_key)
);
create index inbound_updates_pending_idx on inbound_updates (next_attempt_at, id) where status = 'pending';
create index inbound_updates_chat_idx on inbound_updates (channel, chat, id) where status = 'pending';
create index inbound_updates_age_idx on inbound_updates (received_at) where status <> 'pending';
