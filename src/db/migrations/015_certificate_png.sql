-- The certificate picture, rendered once when first asked for and served from here after (rendering takes a
-- noticeable slice of CPU; the picture of a code never changes).
alter table certificates add column png bytea;
