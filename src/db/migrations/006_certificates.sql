-- A certificate for each completed course: a short code anyone can verify at /verify/<code>.
create table certificates (
  code          text primary key,
  user_id       bigint not null references users(id) on delete cascade,
  course_id     text not null references courses(id) on delete cascade,
  display_name  text not null,
  course_title  text not null,
  issued_at     timestamptz not null,
  unique (user_id, course_id)
);
