-- Whether sending a push records its choices as the user's pending ones. Replies to an incoming message do not:
-- the conversation core recorded them when it answered (src/core/conversation.ts), so the push worker need not.
alter table push_outbox add column remember_choices boolean not null default true;
