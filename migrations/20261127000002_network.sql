-- The network: Maisons, their territory (a set of EPCI), partner organisations and partnerships.
create table maison (
    id bigserial primary key,
    name text not null check (length(name) between 1 and 200),
    legal_form text not null check (legal_form in ('association', 'gip')),
    region_code text not null references region,
    departement_code text not null references departement,
    address text not null default '',
    postal_code text not null default '',
    city text not null default '',
    website text not null default '',
    email text not null default '',
    phone text not null default '',
    president text not null default '',
    director text not null default '',
    convention_date date,
    conventionnee boolean not null default true,
    grenelle_year integer check (grenelle_year between 2007 and 2100),
    grenelle_pilot boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger maison_updated_at before update on maison for each row execute function set_updated_at();
create index maison_region_idx on maison (region_code);
create index maison_departement_idx on maison (departement_code);
create index maison_name_trgm_idx on maison using gin (f_unaccent(lower(name)) gin_trgm_ops);

create table maison_epci (
    maison_id bigint not null references maison on delete cascade,
    epci_siren text not null references epci,
    primary key (maison_id, epci_siren)
);
create index maison_epci_epci_idx on maison_epci (epci_siren);

create table organisation (
    id bigserial primary key,
    name text not null check (length(name) between 1 and 200),
    type_code text not null references partner_type,
    siret text check (siret ~ '^[0-9]{14}$'),
    region_code text references region,
    address text not null default '',
    website text not null default '',
    email text not null default '',
    phone text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger organisation_updated_at before update on organisation for each row execute function set_updated_at();
create unique index organisation_siret_key on organisation (siret) where siret is not null;
create index organisation_type_idx on organisation (type_code);
create index organisation_name_trgm_idx on organisation using gin (f_unaccent(lower(name)) gin_trgm_ops);

create table partnership (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    organisation_id bigint not null references organisation,
    -- subset of: membre_constitutif, copil, financeur, operateur, associe
    roles text[] not null default '{}'
        check (roles <@ array['membre_constitutif', 'copil', 'financeur', 'operateur', 'associe']),
    since date,
    note text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    unique (maison_id, organisation_id)
);
create trigger partnership_updated_at before update on partnership for each row execute function set_updated_at();
create index partnership_organisation_idx on partnership (organisation_id);

create table partnership_contact (
    id bigserial primary key,
    partnership_id bigint not null references partnership on delete cascade,
    name text not null check (length(name) between 1 and 200),
    job_title text not null default '',
    email text not null default '',
    phone text not null default '',
    created_at timestamptz not null default now()
);
create index partnership_contact_partnership_idx on partnership_contact (partnership_id);
