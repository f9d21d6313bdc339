-- Reference data: official geography (loaded at first start from data/geo), the axes of the cahier des
-- charges, Grenelle sectors, partner types and the network's indicator catalogue.
create extension if not exists pg_trgm;
create extension if not exists unaccent;

-- unaccent() is only STABLE; an IMMUTABLE wrapper lets indexes use it.
create or replace function f_unaccent(text) returns text
    language sql immutable parallel safe strict
    as $$ select public.unaccent('public.unaccent'::regdictionary, $1) $$;

create or replace function set_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end $$;

create table region (
    code text primary key,
    name text not null,
    zone text not null check (zone in ('metro', 'drom', 'com'))
);

create table departement (
    code text primary key,
    name text not null,
    region_code text not null references region,
    zone text not null
);
create index departement_region_idx on departement (region_code);

create table epci (
    siren text primary key check (siren ~ '^[0-9]{9}$'),
    name text not null,
    kind text not null,
    population integer not null,
    departement_codes text[] not null,
    region_codes text[] not null,
    commune_count integer not null
);
create index epci_name_trgm_idx on epci using gin (f_unaccent(lower(name)) gin_trgm_ops);

create table commune (
    code text primary key,
    name text not null,
    departement_code text references departement,
    region_code text references region,
    population integer not null,
    epci_siren text references epci
);
create index commune_epci_idx on commune (epci_siren);
create index commune_name_trgm_idx on commune using gin (f_unaccent(lower(name)) gin_trgm_ops);

-- Axes are data, not an enum: a later cahier des charges adds rows under another charter.
create table axis (
    id serial primary key,
    charter text not null,
    number integer not null,
    title text not null,
    short_title text not null,
    description text not null,
    expectations text not null,
    unique (charter, number)
);

create table sector (
    code text primary key,
    name text not null,
    position integer not null
);

create table partner_type (
    code text primary key,
    name text not null,
    family text not null,
    position integer not null,
    -- which founding member of the 2009 cahier des charges this type can be, if any
    founding_role text check (founding_role in ('etat', 'france_travail', 'collectivite'))
);

create table indicator (
    id bigserial primary key,
    code text not null unique,
    label text not null,
    unit text not null,
    source text not null,
    theme text not null,
    -- whether comparing across Maisons makes sense per 1,000 inhabitants
    per_capita boolean not null default false,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger indicator_updated_at before update on indicator for each row execute function set_updated_at();
