-- Issue 18: the network's library of practices (*fiches pratiques*). A Maison proposes an evaluated action
-- as a practice: a public summary it writes, kept as numbered versions (`practice_version`, the published
-- text never follows later edits of the action); AVE curates it (accepted as *pratique repérée*, sent back
-- for changes with a comment, declined; a few marked *remarquables*); other Maisons take it up in their
-- own plans as new fiches actions (`practice_reuse`, provenance kept on both sides).
create table practice (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    -- the evaluated action it comes from; the practice outlives it (its text is its versions')
    action_id bigint references action on delete set null,
    status text not null default 'proposee'
        check (status in ('proposee', 'a_modifier', 'acceptee', 'declinee', 'retiree')),
    remarkable boolean not null default false check (not remarkable or status = 'acceptee'),
    -- AVE's last word: why it asks for changes or declines, or a note on acceptance
    review_comment text not null default '' check (length(review_comment) <= 3000),
    reviewed_by bigint references account on delete set null,
    reviewed_at timestamptz,
    proposed_by bigint references account on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger practice_updated_at before update on practice for each row execute function set_updated_at();
-- one live practice per action: withdrawn ones do not count
create unique index practice_action_live_key on practice (action_id)
    where action_id is not null and status <> 'retiree';
create index practice_maison_idx on practice (maison_id, status);
create index practice_status_idx on practice (status, updated_at desc);

create table practice_version (
    id bigserial primary key,
    practice_id bigint not null references practice on delete cascade,
    number integer not null check (number > 0),
    title text collate fr_tri not null check (length(title) between 1 and 200),
    axis_id integer not null references axis,
    sector_code text references sector,
    -- who it serves, among the codes of src/domain/practice.rs (a facet), and in the Maison's words
    publics text[] not null default '{}'
        check (publics <@ array['demandeurs_emploi', 'jeunes', 'salaries', 'entreprises', 'artisans',
                                'insertion', 'menages', 'femmes', 'seniors', 'scolaires', 'acteurs_locaux']),
    public_text text not null default '' check (length(public_text) <= 1000),
    territory_types text[] not null
        check (cardinality(territory_types) >= 1
               and territory_types <@ array['urbain', 'rural', 'littoral', 'montagne']),
    territory_size text not null
        check (territory_size in ('moins_50k', '50k_150k', '150k_300k', 'plus_300k')),
    budget_range text not null
        check (budget_range in ('moins_10k', '10k_50k', '50k_150k', 'plus_150k')),
    duration_months integer check (duration_months between 1 and 240),
    summary text not null check (length(summary) between 1 and 5000),
    results text not null check (length(results) between 1 and 5000),
    -- the indicators as published: [{"label", "unit", "target", "achieved"}]
    figures jsonb not null default '[]',
    worked text not null default '' check (length(worked) <= 5000),
    difficulties text not null default '' check (length(difficulties) <= 5000),
    conditions text not null default '' check (length(conditions) <= 5000),
    cost_per_beneficiary_cents bigint check (cost_per_beneficiary_cents between 0 and 100000000000),
    -- a role and a shared mailbox, never a person's own address
    contact_role text not null check (length(contact_role) between 1 and 200),
    contact_email text not null check (length(contact_email) between 3 and 254),
    created_by bigint references account on delete set null,
    created_at timestamptz not null default now(),
    unique (practice_id, number)
);
alter table practice add column current_version_id bigint references practice_version;

create function practice_search_text(title text, summary text, results text, public_text text,
                                     worked text, conditions text) returns tsvector
    language sql immutable parallel safe
    as $$ select setweight(to_tsvector('public.fr_unaccent', coalesce(title, '')), 'A')
              || setweight(to_tsvector('public.fr_unaccent', coalesce(summary, '') || ' ' ||
                     coalesce(results, '')), 'B')
              || setweight(to_tsvector('public.fr_unaccent', coalesce(public_text, '') || ' ' ||
                     coalesce(worked, '') || ' ' || coalesce(conditions, '')), 'C') $$;
-- stored, so that the library's facets (which read every accepted practice's row) never recompute it
alter table practice_version add column search tsvector
    generated always as (practice_search_text(title, summary, results, public_text, worked, conditions)) stored;
create index practice_version_search_idx on practice_version using gin (search);

create table practice_reuse (
    id bigserial primary key,
    practice_id bigint not null references practice on delete cascade,
    -- the text that was taken up
    version_id bigint not null references practice_version on delete cascade,
    action_id bigint not null unique references action on delete cascade,
    reused_by bigint references account on delete set null,
    reused_at timestamptz not null default now()
);
create index practice_reuse_practice_idx on practice_reuse (practice_id);

-- The network's figures count practices and their reuse (src/cache.rs).
do $$
declare
    t text;
begin
    foreach t in array array['practice', 'practice_version', 'practice_reuse']
    loop
        execute format('create trigger %I after insert or update or delete or truncate on %I
                        for each statement execute function notify_change()', t || '_notify_change', t);
    end loop;
end
$$;

-- The curation of a practice is a workflow like the others: its steps go to `transition`.
alter table transition drop constraint transition_object_type_check,
    add constraint transition_object_type_check
        check (object_type in ('diagnostic', 'plan', 'action', 'practice'));
