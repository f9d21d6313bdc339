-- Issue 18, step 4 of the method (évaluation et capitalisation): the Maison's evaluation of a fiche action,
-- once it is réalisée or abandonnée (what failed teaches too) or its plan closed. One per action; the
-- results against each indicator's target are the indicators' own values (read, not copied); the plan's
-- closing form lists these evaluations rather than asking for them again.
create table action_evaluation (
    action_id bigint primary key references action on delete cascade,
    -- the results obtained, read against the indicators' targets
    results text not null default '' check (length(results) <= 5000),
    worked text not null default '' check (length(worked) <= 5000),
    difficulties text not null default '' check (length(difficulties) <= 5000),
    conditions text not null default '' check (length(conditions) <= 5000),
    -- when it makes sense (a training, an accompaniment): what one beneficiary cost, in cents
    cost_per_beneficiary_cents bigint check (cost_per_beneficiary_cents between 0 and 100000000000),
    -- the partner organisations that made it work (among the action's pilot and partners)
    key_partner_ids bigint[] not null default '{}',
    evaluated_by bigint references account on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1
);
create trigger action_evaluation_updated_at before update on action_evaluation
    for each row execute function set_updated_at();
