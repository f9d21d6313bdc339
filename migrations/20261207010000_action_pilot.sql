-- Issue 16: who pilots a fiche action. The pilot is the Maison itself (`pilot_maison`) or one of its
-- partner organisations (`pilot_organisation_id`), never both; an action without either has no pilot yet
-- (a draft; the plan cannot be submitted then). Each side has its referent person: the Maison's is one of
-- its staff (`referent_account_id`, there since 20261127000005); the pilot organisation's is one of its
-- partner accounts (`pilot_referent_account_id`) or one of its contacts at the Maison
-- (`pilot_contact_id`, a `partnership_contact`), never both, and only when an organisation pilots.
-- Existing rows keep their pilot organisation (`pilot_maison` false) and have no pilot referent.
alter table action
    add column pilot_maison boolean not null default false,
    add column pilot_referent_account_id bigint references account,
    add column pilot_contact_id bigint references partnership_contact on delete set null,
    add constraint action_pilot_one check (not (pilot_maison and pilot_organisation_id is not null)),
    add constraint action_pilot_referent_one
        check (pilot_referent_account_id is null or pilot_contact_id is null),
    add constraint action_pilot_referent_needs_organisation
        check ((pilot_referent_account_id is null and pilot_contact_id is null) or pilot_organisation_id is not null);

create index action_pilot_referent_idx on action (pilot_referent_account_id)
    where pilot_referent_account_id is not null;
create index action_pilot_contact_idx on action (pilot_contact_id) where pilot_contact_id is not null;
