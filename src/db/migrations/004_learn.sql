-- Learn: courses and lessons (synced from knowledge/lessons/), enrolments and quiz answers.
create table courses (
  id            text primary key,
  title         text not null,
  description   text not null,
  audience      text not null,
  ord           int not null,
  content_hash  text not null,
  -- a course removed from the files stays for the people enrolled in it, but is no longer offered
  retired       boolean not null default false,
  updated_at    timestamptz not null default now()
);

create table lessons (
  course_id  text not null references courses(id) on delete cascade,
  position   int not null,
  title      text not null,
  body       text not null,
  image      text,
  guides     text[] not null default '{}',
  quiz       jsonb not null,
  primary key (course_id, position)
);

create table enrollments (
  user_id        bigint not null references users(id) on delete cascade,
  course_id      text not null references courses(id) on delete cascade,
  -- the lesson to show next (1-based); past the last one when the course is completed
  next_position  int not null default 1,
  started_at     timestamptz not null default now(),
  completed_at   timestamptz,
  primary key (user_id, course_id)
);

-- The first answer to each quiz counts for the score; later tries are judged but not stored.
create table quiz_answers (
  user_id      bigint not null references users(id) on delete cascade,
  course_id    text not null,
  position     int not null,
  choice       int not null,
  correct      boolean not null,
  answered_at  timestamptz not null default now(),
  primary key (user_id, course_id, position)
);
create index quiz_answers_user_time_idx on quiz_answers (user_id, answered_at);
