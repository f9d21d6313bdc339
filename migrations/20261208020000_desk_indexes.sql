-- The Maison's desk (issue 17) reads, per Maison, what waits for an answer and the team's actions: the
-- persons it proposed not yet answered, the accounts it invited not yet activated, the actions each member
-- of its staff is référent of. Each of these lists is bounded; these indexes keep it a lookup.
create index account_proposal_maison_pending_idx on account_proposal (maison_id) where status = 'en_attente';
create index account_invited_by_maison_idx on account (invited_by_maison) where password_hash is null;
create index action_referent_idx on action (referent_account_id) where referent_account_id is not null;
