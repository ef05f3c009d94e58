-- Human help desk: volunteers, tickets, the relay between citizen and volunteer, and a durable outbox for every
-- message the bot sends on its own (relayed text, announcements, notices), so a restart loses none of them.

-- A volunteer is a user of a messaging channel (Telegram, Zalo) registered by an operator or through an invite.
create table volunteers (
  id          bigserial primary key,
  user_id     bigint not null unique references users(id) on delete cascade,
  -- how replies are signed for the citizen ("Lan")
  name        text not null,
  active      boolean not null default true,
  created_at  timestamptz not null default now()
);

-- One-time invite codes an operator creates (`cli volunteer invite`); only a hash of the code is kept.
create table volunteer_invites (
  code_hash   text primary key,
  name        text not null,
  expires_at  timestamptz not null,
  used_by     bigint references volunteers(id) on delete set null,
  used_at     timestamptz,
  created_at  timestamptz not null default now()
);

create table tickets (
  id                 bigserial primary key,
  citizen_id         bigint not null references users(id) on delete cascade,
  -- draft: waiting for the one-line problem; waiting: in the queue; active: a volunteer holds it
  status             text not null check (status in ('draft', 'waiting', 'active', 'closed', 'cancelled')),
  -- the citizen's problem in one line, personal numbers redacted
  problem            text,
  volunteer_id       bigint references volunteers(id) on delete set null,
  created_at         timestamptz not null default now(),
  -- when it entered the queue (the clock for re-announcing and for telling the citizen nobody came)
  queued_at          timestamptz,
  reannounced_at     timestamptz,
  gave_up_notice_at  timestamptz,
  claimed_at         timestamptz,
  first_response_at  timestamptz,
  closed_at          timestamptz,
  rating             smallint check (rating between 1 and 5),
  comment            text,
  -- the citizen was asked for a comment after rating and has not answered yet
  awaiting_comment   boolean not null default false
);
-- one open request per citizen, one conversation per volunteer at a time
create unique index tickets_one_open_per_citizen on tickets (citizen_id) where status in ('draft', 'waiting', 'active');
create unique index tickets_one_active_per_volunteer on tickets (volunteer_id) where status = 'active';
create index tickets_queue_idx on tickets (queued_at) where status = 'waiting';

-- Everything said in a ticket (redacted), and what happened to it.
create table ticket_messages (
  id            bigserial primary key,
  ticket_id     bigint not null references tickets(id) on delete cascade,
  sender        text not null check (sender in ('citizen', 'volunteer')),
  volunteer_id  bigint references volunteers(id) on delete set null,
  text          text not null,
  created_at    timestamptz not null default now()
);
create index ticket_messages_ticket_idx on ticket_messages (ticket_id, id);

create table ticket_events (
  id            bigserial primary key,
  ticket_id     bigint not null references tickets(id) on delete cascade,
  kind          text not null check (kind in ('queued', 'announced', 'reannounced', 'gave-up-notice', 'claimed', 'returned', 'transferred', 'closed', 'cancelled', 'rated')),
  volunteer_id  bigint references volunteers(id) on delete set null,
  detail        text,
  created_at    timestamptz not null default now()
);
create index ticket_events_ticket_idx on ticket_events (ticket_id, id);

-- A volunteer's good answer, kept for the content editors: the knowledge gap is never lost.
create table guide_suggestions (
  id            bigserial primary key,
  ticket_id     bigint references tickets(id) on delete set null,
  volunteer_id  bigint references volunteers(id) on delete set null,
  question      text not null,
  answer        text not null,
  status        text not null default 'new' check (status in ('new', 'done', 'rejected')),
  created_at    timestamptz not null default now()
);

-- Messages the bot sends on its own initiative, to a user or a group chat of a channel. Sent by any process's push
-- worker with FOR UPDATE SKIP LOCKED; web chat rows wait until the page fetches them.
create table push_outbox (
  id               bigserial primary key,
  channel          text not null,
  address          text not null,
  -- the neutral Reply: {text, choices?}
  reply            jsonb not null,
  -- a user to remember the choices for (typed "1" on Zalo), when the address is a user's chat
  user_id          bigint references users(id) on delete cascade,
  status           text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null default now(),
  last_error       text,
  created_at       timestamptz not null default now(),
  sent_at          timestamptz
);
create index push_outbox_pending_idx on push_outbox (channel, next_attempt_at, id) where status = 'pending';
