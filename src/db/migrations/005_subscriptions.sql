-- Daily micro-lessons: one subscription per user, and a durable outbox of lessons to send.

-- Where a pushed message goes when it is not the user id itself (a Zalo chat id).
alter table users add column push_address text;
create table subscriptions (
  id            bigserial primary key,
  user_id       bigint not null unique references users(id) on delete cascade,
  course_id     text not null references courses(id) on delete cascade,
  -- the local time (Asia/Ho_Chi_Minh) the citizen chose
  hour          smallint not null check (hour between 0 and 23),
  minute        smallint not null check (minute between 0 and 59),
  active        boolean not null default true,
  -- why it is paused: 'blocked' (the platform refuses delivery), 'inactive' (lessons not opened)
  paused        text,
  next_due_at   timestamptz not null,
  created_at    timestamptz not null default now()
);
create index subscriptions_due_idx on subscriptions (next_due_at) where active and paused is null;

-- Every lesson due is a row first, sent after: a crash loses nothing, the unique key makes enqueueing idempotent,
-- and workers take rows with FOR UPDATE SKIP LOCKED so no two send the same one.
create table outbox (
  id               bigserial primary key,
  subscription_id  bigint not null references subscriptions(id) on delete cascade,
  course_id        text not null,
  position         int not null,
  local_date       date not null,
  channel          text not null,
  external_id      text not null,
  due_at           timestamptz not null,
  status           text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null,
  last_error       text,
  sent_at          timestamptz,
  unique (subscription_id, course_id, position, local_date)
);
create index outbox_pending_idx on outbox (due_at, id) where status = 'pending';
