-- Partnership requests (issue 14, DESIGN.md section 2). A Maison that attaches an existing organisation it
-- did not create asks for it: the request grants nothing (no partnership, no share, no account) until the
-- organisation's référents — or the network's admins, where it has none — accept it. Creating a new local
-- organisation stays immediate, and so does attaching again one the Maison created and nobody else partners.
create table partnership_request (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    organisation_id bigint not null references organisation on delete cascade,
    -- the partnership asked for, as the Maison typed it (the same codes as partnership.roles)
    roles text[] not null
        check (cardinality(roles) > 0
               and roles <@ array['membre_constitutif', 'copil', 'financeur', 'operateur', 'associe']),
    since date,
    note text not null default '' check (length(note) <= 1000),
    status text not null default 'en_attente'
        check (status in ('en_attente', 'acceptee', 'refusee', 'retiree')),
    requested_by bigint references account on delete set null,
    requested_at timestamptz not null default now(),
    answered_by bigint references account on delete set null,
    answered_at timestamptz,
    -- the reason given with a refusal (optional)
    answer text not null default '' check (length(answer) <= 1000),
    check ((status = 'en_attente') = (answered_at is null))
);
-- One open request per Maison and organisation.
create unique index partnership_request_pending_key on partnership_request (maison_id, organisation_id)
    where status = 'en_attente';
create index partnership_request_organisation_idx on partnership_request (organisation_id, status);
