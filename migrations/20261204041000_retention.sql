-- The retention task (issue 23, src/accounts/retention.rs): when an inactive account was warned by e-mail
-- that it would be deactivated. A sign-in after the warning makes it count for nothing.
alter table account add column inactivity_warned_at timestamptz;
