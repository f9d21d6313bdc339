-- Accounts, sessions, sign-in throttling, one-time tokens, the audit journal and notifications.
create table account (
    id bigserial primary key,
    email text not null check (length(email) between 3 and 254),
    name text not null check (length(name) between 1 and 200),
    role text not null check (role in ('admin', 'staff', 'partner')),
    maison_id bigint references maison,
    organisation_id bigint references organisation,
    responsable boolean not null default false,
    -- null until the invited person sets a password
    password_hash text,
    active boolean not null default true,
    last_login_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    check ((role = 'staff') = (maison_id is not null)),
    check ((role = 'partner') = (organisation_id is not null)),
    check (not responsable or role = 'staff')
);
create trigger account_updated_at before update on account for each row execute function set_updated_at();
create unique index account_email_key on account (lower(email));
create index account_maison_idx on account (maison_id);
create index account_organisation_idx on account (organisation_id);

-- Invitation and password-reset links: only the SHA-256 of the token is stored.
create table account_token (
    id bigserial primary key,
    account_id bigint not null references account on delete cascade,
    purpose text not null check (purpose in ('invitation', 'reset')),
    token_hash text not null unique,
    created_by bigint references account,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);
create index account_token_account_idx on account_token (account_id);

-- The cookie holds a random token; the table holds its SHA-256, so a database leak yields no live session.
create table session (
    id_hash text primary key,
    account_id bigint references account on delete cascade,
    csrf_token text not null,
    flash text,
    flash_kind text,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index session_account_idx on session (account_id);
create index session_expires_idx on session (expires_at);

create table login_failure (
    id bigserial primary key,
    email text not null,
    at timestamptz not null default now(),
    ip text
);
create index login_failure_email_at_idx on login_failure (email, at);

-- Forms that must not run twice carry a one-time key; a replay finds it here and is not processed again.
create table form_submission (
    key text primary key,
    account_id bigint not null references account on delete cascade,
    created_at timestamptz not null default now()
);

-- The audit journal: every write appends one row in the same transaction.
create table event (
    id bigserial primary key,
    at timestamptz not null default now(),
    account_id bigint references account,
    maison_id bigint references maison on delete set null,
    object_type text not null,
    object_id bigint not null,
    action text not null,
    summary text not null,
    -- [{"field": "...", "label": "...", "before": ..., "after": ...}]
    changes jsonb not null default '[]'
);
create index event_object_idx on event (object_type, object_id, at desc);
create index event_maison_idx on event (maison_id, at desc);
create index event_account_idx on event (account_id, at desc);

create table notification (
    id bigserial primary key,
    account_id bigint not null references account on delete cascade,
    kind text not null,
    message text not null,
    link text not null,
    created_at timestamptz not null default now(),
    read_at timestamptz
);
create index notification_account_idx on notification (account_id, created_at desc);
create index notification_unread_idx on notification (account_id) where read_at is null;

-- Workflow transitions of diagnostics, plans and actions (who, when, from, to, comment): the timelines.
create table transition (
    id bigserial primary key,
    object_type text not null check (object_type in ('diagnostic', 'plan', 'action')),
    object_id bigint not null,
    from_status text,
    to_status text not null,
    account_id bigint references account,
    at timestamptz not null default now(),
    comment text not null default ''
);
create index transition_object_idx on transition (object_type, object_id, at);
