-- What the console's report pages and the daily privacy job read by date (see the query modules in src/console/).
create index if not exists asks_created_idx on asks (created_at);
create index if not exists messages_created_idx on messages (created_at);
create index if not exists tickets_queued_idx on tickets (queued_at);
create index if not exists tickets_rated_closed_idx on tickets (closed_at) where rating is not null;
create index if not exists subscriptions_created_idx on subscriptions (created_at);
create index if not exists outbox_due_idx on outbox (due_at);
create index if not exists enrollments_started_idx on enrollments (started_at);
create index if not exists quiz_answers_answered_idx on quiz_answers (answered_at);
create index if not exists certificates_issued_idx on certificates (issued_at);
