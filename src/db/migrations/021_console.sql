-- The web console at /console: accounts with roles, their sessions and one-time setup links, and an audit of every
-- action that changes something or exports data.

create table console_accounts (
  id             bigserial primary key,
  -- what the person types to log in (lower case)
  login          text not null unique,
  -- how the console names them (and how a volunteer's replies are signed)
  name           text not null,
  role           text not null check (role in ('operator', 'editor', 'volunteer')),
  -- scrypt$N$r$p$salt$hash; null until the person follows their setup link
  password_hash  text,
  active         boolean not null default true,
  created_at     timestamptz not null default now()
);

-- One-time links that set an account's password (an invite, or the first operator's). Only a hash is kept.
-- account_id null: the first-run link, which creates the first operator.
create table console_setup_tokens (
  token_hash   text primary key,
  account_id   bigint references console_accounts(id) on delete cascade,
  expires_at   timestamptz not null,
  used_at      timestamptz,
  created_at   timestamptz not null default now()
);

-- Sessions: the cookie holds a random id, the table its hash. A login always starts a new one (no fixation).
create table console_sessions (
  id_hash      text primary key,
  account_id   bigint not null references console_accounts(id) on delete cascade,
  created_at   timestamptz not null default now(),
  seen_at      timestamptz not null default now(),
  expires_at   timestamptz not null
);
create index console_sessions_account_idx on console_sessions (account_id);

-- Failed logins, counted per account and per address over a window (works across processes sharing the database).
create table console_login_failures (
  id       bigserial primary key,
  login    text not null,
  address  text not null,
  at       timestamptz not null default now()
);
create index console_login_failures_login_idx on console_login_failures (login, at);
create index console_login_failures_address_idx on console_login_failures (address, at);

create table console_audit (
  id          bigserial primary key,
  account_id  bigint references console_accounts(id) on delete set null,
  -- kept when the account goes
  login       text,
  action      text not null,
  detail      jsonb not null default '{}',
  address     text,
  at          timestamptz not null default now()
);
create index console_audit_at_idx on console_audit (at);
