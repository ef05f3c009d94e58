-- Generated answers (optional LLM mode): one row per answer the model was asked for, whatever came of it.
-- Only counts and outcomes: the question is in asks (redacted), the answer sent is in messages (redacted).
create table generations (
  id                 bigserial primary key,
  ask_id             bigint references asks(id) on delete cascade,
  model              text not null,
  prompt_version     text not null,
  -- ok: sent; ungrounded: a fact not in the guide; leak: prompt text or a role claim; declined: the model said the
  -- guide does not answer; format: more steps or text than a phone screen; timeout; error (429, 500, network);
  -- skipped: only the follow-up was condensed (the question was then abstained on or refused)
  outcome            text not null check (outcome in ('ok', 'ungrounded', 'leak', 'declined', 'format', 'timeout', 'error', 'skipped')),
  violations         jsonb not null default '[]',
  -- the follow-up rewritten as a standalone question (placeholders, no personal data), when it was
  condensed          text,
  prompt_tokens      int,
  completion_tokens  int,
  latency_ms         real not null,
  created_at         timestamptz not null default now()
);
create index generations_outcome_idx on generations (outcome, created_at);
create index generations_ask_idx on generations (ask_id);
