-- Proposing a person (issue 14, DESIGN.md section 2): for an organisation it does not manage (several
-- Maisons partner it), a Maison's responsable proposes a person; the organisation's référents — or the
-- network's admins, where it has none — accept (only then is the invitation made and sent) or refuse
-- (with a reason). Both sides are notified.
create table account_proposal (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    organisation_id bigint not null references organisation on delete cascade,
    -- the person proposed (personal data: in their download once they have an account, deleted with it)
    email text not null check (length(email) between 3 and 254),
    name text not null check (length(name) between 1 and 200),
    note text not null default '' check (length(note) <= 1000),
    status text not null default 'en_attente' check (status in ('en_attente', 'acceptee', 'refusee')),
    proposed_by bigint references account on delete set null,
    proposed_at timestamptz not null default now(),
    answered_by bigint references account on delete set null,
    answered_at timestamptz,
    -- the reason given with a refusal (optional)
    answer text not null default '' check (length(answer) <= 1000),
    -- the account the accepted proposal made
    account_id bigint references account on delete set null,
    check ((status = 'en_attente') = (answered_at is null))
);
-- One open proposal per organisation and address.
create unique index account_proposal_pending_key on account_proposal (organisation_id, lower(email))
    where status = 'en_attente';
create index account_proposal_organisation_idx on account_proposal (organisation_id, status);
create index account_proposal_account_idx on account_proposal (account_id);
