-- E-mail copies of notifications: an outbox. `mde serve` sends the recent ones not yet mailed when SMTP is
-- configured, then stamps them (several servers share the work with `for update skip locked`).
alter table notification add column mailed_at timestamptz;
create index notification_unmailed_idx on notification (created_at) where mailed_at is null;
