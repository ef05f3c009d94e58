-- Channels with an interaction window (Zalo OA: consultation messages reach only citizens who wrote in the last 7
-- days): the last lesson that can still be sent carries a line on how to keep receiving lessons.
alter table outbox add column window_note boolean not null default false;
-- Past the window a subscription pauses with subscriptions.paused = 'window' (any message from the citizen resumes it).
