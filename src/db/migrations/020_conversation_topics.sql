-- The guide each user was last answered with, and the part of it last shown (src/ask/topics.ts): a short follow-up
-- ("phí bao nhiêu", "xem thêm") is answered from it without an LLM. Read only while younger than the topic's lifetime.
create table conversation_topics (
  user_id   bigint primary key references users(id) on delete cascade,
  guide_id  text not null references guides(id) on delete cascade,
  part      text not null default 'steps',
  at        timestamptz not null default now()
);
