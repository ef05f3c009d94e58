-- FAQ entries beside step-by-step guides: an official question and its official answer, shown a phone screen
-- (page) at a time. Guides have kind 'guide' and no pages.
alter table guides add column kind text not null default 'guide';
alter table guides add column pages jsonb not null default '[]';
alter table guides add column ministry text;
alter table guides add column audience jsonb not null default '[]';
