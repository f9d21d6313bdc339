-- The trust model of shared organisations (issue 14, DESIGN.md section 2). An organisation is one record
-- that many Maisons partner: a Maison manages it (its profile, its people's accounts) only while it created
-- it and is its only partner; otherwise its référents and the admins do.

-- The Maison that created the organisation; null: created by the network's admins, or too old for the
-- journal to say (then the admins manage it until they designate a référent).
alter table organisation add column created_by_maison bigint references maison on delete set null;

-- Existing rows: the journal records each creation, with the Maison it was made for (a Maison's
-- « Créer une organisation partenaire »); an organisation created outside any Maison stays null.
update organisation o
   set created_by_maison = e.maison_id
  from (select distinct on (object_id) object_id, maison_id
          from event
         where object_type = 'organisation' and action = 'creation' and maison_id is not null
         order by object_id, at, id) e
 where e.object_id = o.id;

create index organisation_created_by_maison_idx on organisation (created_by_maison);

-- A référent manages their organisation's profile and people, and answers partnership requests. Nobody
-- becomes référent by this migration: the admins designate them.
alter table account add column referent boolean not null default false;
alter table account add constraint account_referent_partner check (not referent or role = 'partner');
create index account_referent_idx on account (organisation_id) where referent;
