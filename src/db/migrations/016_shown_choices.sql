-- The choice ids shown to each user recently, newest first (src/core/users.ts): a button press carrying any other
-- id is answered as stale, so ids cannot be forged or replayed from long ago.
alter table users add column shown text[] not null default '{}';
