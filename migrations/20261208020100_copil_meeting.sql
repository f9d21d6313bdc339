-- One record of the comité de pilotage (issue 17): a meeting of a Maison's copil (its date, place, the
-- partner organisations present, names of others present typed freely, its minutes), to which the
-- validations of diagnostics (`diagnostic.copil_meeting_id`) and the copil's decisions on plans
-- (`copil_decision.meeting_id`) refer: a meeting lists what it decided. One meeting per Maison and day.
create table copil_meeting (
    id bigserial primary key,
    maison_id bigint not null references maison on delete cascade,
    held_on date not null,
    place text not null default '' check (length(place) <= 200),
    -- those present who are not one of the Maison's partner organisations, as typed
    other_members text not null default '' check (length(other_members) <= 2000),
    -- the minutes' text (a document of the minutes goes to the one document store)
    minutes text not null default '' check (length(minutes) <= 20000),
    created_by bigint references account on delete set null,
    created_at timestamptz not null default now(),
    version integer not null default 1,
    unique (maison_id, held_on)
);
create index copil_meeting_maison_idx on copil_meeting (maison_id, held_on desc);

-- The partner organisations present (among the Maison's partnerships with the copil role when recorded).
create table copil_meeting_member (
    meeting_id bigint not null references copil_meeting on delete cascade,
    organisation_id bigint not null references organisation on delete cascade,
    primary key (meeting_id, organisation_id)
);
create index copil_meeting_member_organisation_idx on copil_meeting_member (organisation_id);

alter table diagnostic add column copil_meeting_id bigint references copil_meeting on delete set null;
create index diagnostic_copil_meeting_idx on diagnostic (copil_meeting_id) where copil_meeting_id is not null;
alter table copil_decision add column meeting_id bigint references copil_meeting on delete set null;
create index copil_decision_meeting_idx on copil_decision (meeting_id) where meeting_id is not null;
