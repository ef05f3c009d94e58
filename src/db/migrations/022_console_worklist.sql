-- The editors' pages of the console: what an editor decided about a group of unanswered questions (keyed by the
-- group's key, its folded content words), the volunteer-saved answers an editor has reviewed, and the indexes the
-- worklist and guides pages read by.

create table console_group_decisions (
  -- the group's key: its leading question's folded content words, sorted, joined by spaces (console/grouping.ts)
  group_key    text primary key,
  -- the same words as a list, so later questions that are similar join the decided group
  terms        jsonb not null,
  decision     text not null check (decision in ('covered', 'new-guide', 'out-of-scope')),
  -- the guide that covers it (decision 'covered')
  guide_id     text,
  account_id   bigint references console_accounts(id) on delete set null,
  login        text,
  decided_at   timestamptz not null default now()
);

-- Who reviewed a volunteer-saved answer (/luu), and when; guide_suggestions.status becomes 'done' as well.
create table console_suggestion_reviews (
  suggestion_id  bigint primary key references guide_suggestions(id) on delete cascade,
  account_id     bigint references console_accounts(id) on delete set null,
  login          text,
  reviewed_at    timestamptz not null default now()
);

-- 👎 over a date range (the worklist, the guides' shares) and asks per guide over a date range
create index feedback_created_idx on feedback (created_at);
create index asks_top_guide_idx on asks (top_guide, created_at);
