-- Issue 16: the steps (étapes) of a fiche action: a title, optional dates, a status. When a fiche has
-- steps its progress is derived from them (the share of steps « faites », rounded down; the application
-- writes it into action.progress whenever a step changes, so that lists and reports read one column);
-- otherwise it is set by hand. The steps are written with the fiche while its plan is a draft; afterwards
-- only their status changes, through the follow-up.
create table action_step (
    id bigserial primary key,
    action_id bigint not null references action on delete cascade,
    position integer not null default 0,
    title text not null check (length(title) between 1 and 200),
    start_date date,
    end_date date,
    status text not null default 'a_faire' check (status in ('a_faire', 'en_cours', 'faite')),
    constraint action_step_dates check (start_date is null or end_date is null or start_date <= end_date)
);
create index action_step_action_idx on action_step (action_id, position);
