-- The Zalo Official Account's OAuth v4 tokens (src/channels/zalo-oa/tokens.ts): one OA per deployment.
-- The refresh token is single-use: a refresh takes a lease on the row (one process at a time), calls Zalo outside
-- any transaction, and stores the new pair only if the row still holds the refresh token it used.
create table zalo_oa_tokens (
  id                  boolean primary key default true check (id),
  access_token        text,
  refresh_token       text,
  access_expires_at   timestamptz,
  refresh_expires_at  timestamptz,
  -- connected: the tokens work; needs-authorisation: a person must connect the OA again (the reason in `problem`)
  state               text not null check (state in ('connected', 'needs-authorisation')),
  problem             text,
  -- a process refreshing holds the row until then
  refreshing_until    timestamptz,
  refreshed_at        timestamptz,
  updated_at          timestamptz not null default now()
);

-- PKCE authorisations started at /zalo-oa/connect and not finished yet (a verifier per `state`, 10 minutes).
create table zalo_oa_authorisations (
  state          text primary key,
  code_verifier  text not null,
  created_at     timestamptz not null default now()
);
