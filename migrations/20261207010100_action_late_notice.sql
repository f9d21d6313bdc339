-- Issue 16: the pilot organisation is told once when its action becomes late (the periodic job
-- `late_actions`, src/plans/fiches/notices.rs): when it was told. Actions late before this migration are
-- told at the job's first run.
alter table action add column late_notified_at timestamptz;
create index action_late_notice_idx on action (end_date)
    where late_notified_at is null and pilot_organisation_id is not null
      and status in ('a_lancer', 'en_cours', 'en_pause');
