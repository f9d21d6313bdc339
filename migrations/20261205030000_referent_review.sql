-- Référents and the accounts to review (issue 14, DESIGN.md section 2). The admins designate and remove an
-- organisation's référents; a référent hands the role to a colleague. Nobody becomes référent here: on a
-- real database the admins designate them (from /organisations/a-examiner, or on the organisation's page).
-- In the demo (`mde demo`, src/demo/trust.rs), the first partner account of each organisation several
-- Maisons share is its référent, except partenaire@francetravail.example.org, which stays a plain partner
-- (France Travail Hauts-de-France has no référent: the admins answer for it).

-- The Maison whose responsable invited a partner account (null: invited by the admins or a référent, or
-- created otherwise). Existing rows: the journal's invitation events record the Maison they were made in.
alter table account add column invited_by_maison bigint references maison on delete set null;
update account a
   set invited_by_maison = e.maison_id
  from (select distinct on (object_id) object_id, maison_id
          from event
         where object_type = 'account' and action = 'invitation' and maison_id is not null
         order by object_id, at, id) e
 where e.object_id = a.id and a.role = 'partner';

-- When an admin looked at a partner account invited by one Maison into an organisation that several
-- Maisons partner (such a Maison no longer manages it: the account is listed for review until then).
alter table account add column reviewed_at timestamptz;
create index account_to_review_idx on account (organisation_id)
    where role = 'partner' and invited_by_maison is not null and reviewed_at is null;
