-- The console's daily rollup (src/console/rollup.ts): past Vietnam days of the overview and the guides page, counted
-- once, so a report over a year reads a few thousand rows instead of every message.
-- Counts per day: `metric` names what is counted, `key` what it is split by (a channel, a guide id, or '').
create table report_counts (
  day     date not null,
  metric  text not null,
  key     text not null default '',
  n       integer not null,
  primary key (metric, day, key)
);

-- Who wrote on each rolled day (distinct citizens over a range are not the sum of the days). A pseudonymous id and a
-- day, deleted by the privacy job like the messages it was read from.
create table report_active (
  day      date not null,
  user_id  bigint not null,
  primary key (day, user_id)
);

-- The first Vietnam day not rolled up yet: every day before it is in report_counts (one row, locked while a day rolls).
create table report_rollup (
  id        boolean primary key default true check (id),
  next_day  date not null
);
