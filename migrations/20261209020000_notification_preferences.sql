-- Notifications people control (issue 17): for each topic (domain::notification::Topic) a person may choose
-- a channel; absent a row, the default of their role applies (Topic::default_for). A notification keeps the
-- channel it is to go out by (`notify` writes it; a change of choice moves the ones not yet sent).
create table notification_preference (
    account_id bigint not null references account on delete cascade,
    topic text not null check (topic in ('commentaires', 'reponses', 'partages', 'validations',
        'decisions_plans', 'actions_pilotees', 'actions_en_retard', 'partenariats', 'propositions',
        'referents', 'pratiques')),
    channel text not null check (channel in ('aucune', 'portail', 'immediat', 'quotidien', 'hebdomadaire')),
    updated_at timestamptz not null default now(),
    primary key (account_id, topic)
);

-- Rows written before this migration were mailed, or are too old to be, by the outbox: `portail`.
alter table notification add column channel text not null default 'portail'
    check (channel in ('portail', 'immediat', 'quotidien', 'hebdomadaire'));

-- One digest per person and period (the day, or the ISO week's Monday, in Europe/Paris): the unique key
-- is what makes two processes, or two runs, send it once.
create table notification_digest (
    id bigserial primary key,
    account_id bigint not null references account on delete cascade,
    period text not null check (period in ('quotidien', 'hebdomadaire')),
    period_start date not null,
    items integer not null check (items > 0),
    sent_at timestamptz not null default now(),
    unique (account_id, period, period_start)
);
create index notification_digest_sent_idx on notification_digest (sent_at);

alter table notification add column digest_id bigint references notification_digest on delete set null;
-- What the outbox and the digests look for: not yet sent, by channel.
create index notification_unsent_idx on notification (channel, account_id) where mailed_at is null;

-- The key that signs unsubscribe links when MDE_SECRET_KEY is not set: made once, shared by every process.
create table server_secret (
    name text primary key,
    value bytea not null check (length(value) >= 32),
    created_at timestamptz not null default now()
);
-- 244 random bits (two version-4 UUIDs).
insert into server_secret (name, value)
values ('unsubscribe', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
