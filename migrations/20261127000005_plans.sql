-- Grenelle action plans, fiches actions and their follow-up.
create table plan (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    diagnostic_id bigint references diagnostic,
    title text not null check (length(title) between 1 and 200),
    start_year integer not null check (start_year between 2000 and 2100),
    end_year integer not null check (end_year between 2000 and 2100),
    -- the cahier des charges whose axes the plan must cover (axis.charter)
    charter text not null default '2009',
    status text not null default 'brouillon'
        check (status in ('brouillon', 'soumis', 'valide', 'en_oeuvre', 'cloture')),
    revision_reason text not null default '',
    evaluation text not null default '',
    previous_id bigint references plan,
    created_by bigint references account,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    check (end_year >= start_year)
);
create trigger plan_updated_at before update on plan for each row execute function set_updated_at();
create index plan_maison_idx on plan (maison_id, status);

create table copil_decision (
    id bigserial primary key,
    plan_id bigint not null references plan on delete cascade,
    decided_on date not null,
    decision text not null check (decision in ('valide', 'a_reviser')),
    members_present text not null default '',
    minutes text not null default '',
    recorded_by bigint references account,
    recorded_at timestamptz not null default now()
);
create index copil_decision_plan_idx on copil_decision (plan_id);

create table network_review (
    id bigserial primary key,
    plan_id bigint not null references plan on delete cascade,
    account_id bigint references account,
    opinion text not null check (opinion in ('favorable', 'reserve')),
    remarks text not null default '',
    created_at timestamptz not null default now()
);
create index network_review_plan_idx on network_review (plan_id);

create table action (
    id bigserial primary key,
    plan_id bigint not null references plan on delete cascade,
    number integer not null check (number > 0),
    title text not null check (length(title) between 1 and 200),
    axis_id integer not null references axis,
    sector_code text references sector,
    objectives text not null default '',
    description text not null default '',
    target_public text not null default '',
    expected_results text not null default '',
    pilot_organisation_id bigint references organisation,
    referent_account_id bigint references account,
    start_date date,
    end_date date,
    priority text not null default 'moyenne' check (priority in ('haute', 'moyenne', 'basse')),
    status text not null default 'a_lancer'
        check (status in ('a_lancer', 'en_cours', 'en_pause', 'realisee', 'abandonnee')),
    progress integer not null default 0 check (progress between 0 and 100),
    abandon_reason text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    unique (plan_id, number),
    check (end_date is null or start_date is null or end_date >= start_date)
);
create trigger action_updated_at before update on action for each row execute function set_updated_at();
create index action_plan_idx on action (plan_id);
create index action_axis_idx on action (axis_id, status);
create index action_pilot_idx on action (pilot_organisation_id);

create table action_partner (
    action_id bigint not null references action on delete cascade,
    organisation_id bigint not null references organisation,
    role text not null default '',
    primary key (action_id, organisation_id)
);
create index action_partner_organisation_idx on action_partner (organisation_id);

create table action_funding (
    id bigserial primary key,
    action_id bigint not null references action on delete cascade,
    funder text not null check (length(funder) between 1 and 200),
    organisation_id bigint references organisation,
    amount_cents bigint not null check (amount_cents between 0 and 100000000000),
    state text not null check (state in ('sollicite', 'acquis')),
    position integer not null default 0
);
create index action_funding_action_idx on action_funding (action_id);

create table action_indicator (
    id bigserial primary key,
    action_id bigint not null references action on delete cascade,
    label text not null check (length(label) between 1 and 200),
    unit text not null default '',
    target double precision,
    achieved double precision,
    year integer check (year between 2000 and 2100),
    position integer not null default 0
);
create index action_indicator_action_idx on action_indicator (action_id);

create table action_note (
    id bigserial primary key,
    action_id bigint not null references action on delete cascade,
    author_id bigint references account,
    noted_on date not null,
    body text not null check (length(body) between 1 and 10000),
    progress integer check (progress between 0 and 100),
    created_at timestamptz not null default now()
);
create index action_note_action_idx on action_note (action_id, noted_on desc);
