-- Searching Maisons by commune name (`/maisons?q=`) and EPCI by name (territory, creating a Maison)
-- without calling unaccent() on every commune of every territory: at 10 × the network, `/maisons?q=saint`
-- spent 33 of its 39 ms in f_unaccent() over 10,000 commune rows. Same approach as the Maisons' and
-- organisations' name keys (20261127100000).
alter table commune add column name_key text generated always as (f_unaccent(lower(name))) stored;
create index commune_name_key_trgm_idx on commune using gin (name_key gin_trgm_ops);
-- The same index on the expression, which no query uses any more.
drop index if exists commune_name_trgm_idx;

alter table epci add column name_key text generated always as (f_unaccent(lower(name))) stored;
