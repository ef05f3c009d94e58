-- users.locale (default 'vi') was never read: nothing chooses the language of a reply by it.
alter table users drop column if exists locale;
