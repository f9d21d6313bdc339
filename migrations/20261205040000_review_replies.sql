-- The avis du réseau is a conversation (issue 15): under each opinion AVE gives on a plan, the Maison
-- answers and AVE answers back, a short thread in date order. `side` is who spoke (the Maison or the
-- Alliance), fixed when the reply is written so that the thread reads the same if a role changes later.
-- The author's name is read from the account (an erased account shows its pseudonym); the text stays.
create table network_review_reply (
    id bigserial primary key,
    review_id bigint not null references network_review on delete cascade,
    account_id bigint references account,
    side text not null check (side in ('maison', 'reseau')),
    body text not null check (length(btrim(body)) between 1 and 5000),
    created_at timestamptz not null default now()
);
create index network_review_reply_review_idx on network_review_reply (review_id, created_at, id);
create index network_review_reply_account_idx on network_review_reply (account_id);
