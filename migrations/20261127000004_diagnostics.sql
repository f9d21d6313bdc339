-- Shared territorial diagnostics, their sections, indicator values, shares, documents and comments.
create table diagnostic (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    title text not null check (length(title) between 1 and 200),
    reference_year integer not null check (reference_year between 1990 and 2100),
    status text not null default 'brouillon' check (status in ('brouillon', 'partage', 'valide', 'archive')),
    -- the validated diagnostic this one is a new version of
    previous_id bigint references diagnostic,
    validated_on date,
    copil_decision text not null default '',
    created_by bigint references account,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger diagnostic_updated_at before update on diagnostic for each row execute function set_updated_at();
create index diagnostic_maison_idx on diagnostic (maison_id, status);

create table diagnostic_sector (
    diagnostic_id bigint not null references diagnostic on delete cascade,
    sector_code text not null references sector,
    primary key (diagnostic_id, sector_code)
);

create table diagnostic_section (
    id bigserial primary key,
    diagnostic_id bigint not null references diagnostic on delete cascade,
    position integer not null,
    -- a standard kind (contexte, economie, emploi, competences, formation, freins, afom, enjeux) or 'libre'
    kind text not null,
    title text not null check (length(title) between 1 and 200),
    body text not null default '',
    revision integer not null default 1,
    updated_by bigint references account,
    updated_at timestamptz not null default now()
);
create index diagnostic_section_diagnostic_idx on diagnostic_section (diagnostic_id, position);

create table indicator_value (
    id bigserial primary key,
    diagnostic_id bigint not null references diagnostic on delete cascade,
    indicator_id bigint not null references indicator,
    value double precision not null,
    year integer not null check (year between 1900 and 2100),
    territory text not null default '',
    source text not null default '',
    comparison_level text check (comparison_level in ('departement', 'region', 'france')),
    comparison_value double precision,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger indicator_value_updated_at before update on indicator_value for each row execute function set_updated_at();
create index indicator_value_diagnostic_idx on indicator_value (diagnostic_id);
create index indicator_value_indicator_idx on indicator_value (indicator_id);

create table diagnostic_share (
    diagnostic_id bigint not null references diagnostic on delete cascade,
    organisation_id bigint not null references organisation,
    shared_by bigint references account,
    shared_at timestamptz not null default now(),
    primary key (diagnostic_id, organisation_id)
);
create index diagnostic_share_organisation_idx on diagnostic_share (organisation_id);

create table diagnostic_document (
    id bigserial primary key,
    diagnostic_id bigint not null references diagnostic on delete cascade,
    filename text not null,
    content_type text not null,
    size_bytes integer not null check (size_bytes between 1 and 10485760),
    data bytea not null,
    uploaded_by bigint references account,
    uploaded_at timestamptz not null default now()
);
create index diagnostic_document_diagnostic_idx on diagnostic_document (diagnostic_id);

create table comment (
    id bigserial primary key,
    diagnostic_id bigint not null references diagnostic on delete cascade,
    section_id bigint references diagnostic_section on delete set null,
    parent_id bigint references comment on delete cascade,
    author_id bigint not null references account,
    body text not null check (length(body) between 1 and 10000),
    status text not null default 'ouvert' check (status in ('ouvert', 'pris_en_compte', 'sans_suite')),
    answer text not null default '',
    answered_by bigint references account,
    answered_at timestamptz,
    created_at timestamptz not null default now(),
    edited_at timestamptz,
    hidden_at timestamptz,
    hidden_by bigint references account,
    deleted_at timestamptz
);
create index comment_diagnostic_idx on comment (diagnostic_id, created_at);
create index comment_section_idx on comment (section_id);
