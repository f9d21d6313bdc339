-- Account security (issue 14): the person's sessions on /profil say from which device (the browser's
-- User-Agent, bounded), and « Mot de passe oublié ? » on /connexion is throttled in the database.

alter table session add column user_agent text not null default '' check (length(user_agent) <= 300);

-- One row per request of a reset link (whether or not the address is an account's): at most 3 an hour per
-- address and 20 an hour per client address. Rows older than a day are purged with the expired sessions.
create table password_reset_request (
    id bigserial primary key,
    email text not null check (length(email) <= 254),
    ip text not null check (length(ip) <= 64),
    at timestamptz not null default now()
);
create index password_reset_request_email_idx on password_reset_request (email, at);
create index password_reset_request_ip_idx on password_reset_request (ip, at);
