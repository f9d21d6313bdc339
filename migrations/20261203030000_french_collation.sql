-- Names sort in French order (issue 15, bug 8). The database's own collation is C (byte order): every
-- « d'X » came before every « de X », and Éguzon or Île-de-France after Z. An ICU collation for French
-- where punctuation and spaces are ignored (`ka-shifted`): « d'Arras », « de Béthune », « d'Évreux »,
-- « de Lille » interleave, accented letters sort with their letter. Deterministic (ties broken byte by
-- byte), so equality, unique indexes and LIKE keep working as before.
create collation if not exists fr_tri (provider = icu, locale = 'fr-u-ka-shifted');

-- The distinctive part of a Maison's name, the one people look for: « Maison de l'emploi du Grand
-- Nancy » sorts at G, « Maison de l'emploi et de la formation d'Orléans » at O; a name that is nothing
-- but the generic words sorts by its town.
create function maison_sort_name(name text, city text) returns text
    language sql immutable parallel safe
    return coalesce(
        nullif(btrim(regexp_replace(
            name,
            '^\s*(maison\s+(de\s+l[''’]\s*|de\s+l\s+)?emploi|mde)'
            || '(\s+et\s+(de\s+la\s+formation|de\s+l[''’]\s*entreprise|des\s+entreprises|du\s+développement))*'
            || '(\s+(de\s+la|de\s+l[''’]|du|des|de|en)\s+|\s+(de\s+l|d)[''’]\s*|\s*[–—:-]\s*|\s+)?',
            '', 'i')), ''),
        nullif(btrim(city), ''),
        name);

-- Maisons: the name keys are rebuilt over the collated columns (a generated column's source cannot change
-- collation under it), and the sort key is new.
alter table maison drop column name_key, drop column city_key;
alter table maison alter column name type text collate fr_tri, alter column city type text collate fr_tri;
alter table maison add column name_key text collate fr_tri generated always as (f_unaccent(lower(name))) stored;
alter table maison add column city_key text collate fr_tri generated always as (f_unaccent(lower(city))) stored;
alter table maison add column sort_key text collate fr_tri generated always as (maison_sort_name(name, city)) stored;
create index maison_sort_key_idx on maison (sort_key, id);

-- Organisations: sorted by their name key.
alter table organisation drop column name_key;
alter table organisation alter column name type text collate fr_tri;
alter table organisation add column name_key text collate fr_tri generated always as (f_unaccent(lower(name))) stored;
create index organisation_name_key_idx on organisation (name_key, id);
create index organisation_name_key_trgm_idx on organisation using gin (name_key gin_trgm_ops);

-- People: accounts and partnership contacts sort by name.
alter table account alter column name type text collate fr_tri;
create index account_name_idx on account (name, id);
alter table partnership_contact alter column name type text collate fr_tri;

-- The geography lists (regions, départements, EPCI) the forms and figures sort by name.
alter table region alter column name type text collate fr_tri;
alter table departement alter column name type text collate fr_tri;
alter table epci drop column name_key;
alter table epci alter column name type text collate fr_tri;
alter table epci add column name_key text collate fr_tri generated always as (f_unaccent(lower(name))) stored;
