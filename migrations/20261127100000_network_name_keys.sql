-- Searching and sorting Maisons and organisations by name without calling unaccent() on every row of
-- every request (it costs tens of microseconds a call: a whole list at 10 × the network took 100+ ms).
alter table maison add column name_key text generated always as (f_unaccent(lower(name))) stored;
alter table maison add column city_key text generated always as (f_unaccent(lower(city))) stored;
create index maison_name_key_idx on maison (name_key, id);

alter table organisation add column name_key text generated always as (f_unaccent(lower(name))) stored;
create index organisation_name_key_idx on organisation (name_key, id);
create index organisation_name_key_trgm_idx on organisation using gin (name_key gin_trgm_ops);
create index organisation_siret_pattern_idx on organisation (siret text_pattern_ops);
