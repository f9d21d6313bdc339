-- The searchable text as stored generated columns: ranking the matches (ts_rank) then reads the stored
-- tsvector instead of parsing every matching text again, which the expression indexes of 20261127140001
-- could not avoid. Same functions, so the same words match.
drop index action_search_idx;
drop index plan_search_idx;
drop index diagnostic_search_idx;
drop index diagnostic_section_search_idx;

alter table action add column search tsvector
    generated always as (action_search_text(title, objectives, description, target_public, expected_results)) stored;
alter table plan add column search tsvector generated always as (doc_search_text(title, evaluation)) stored;
alter table diagnostic add column search tsvector generated always as (doc_search_text(title, copil_decision)) stored;
alter table diagnostic_section add column search tsvector generated always as (doc_search_text(title, body)) stored;

create index action_search_idx on action using gin (search);
create index plan_search_idx on plan using gin (search);
create index diagnostic_search_idx on diagnostic using gin (search);
create index diagnostic_section_search_idx on diagnostic_section using gin (search);

-- Covering indexes for the network figures: the dashboard reads every current plan's actions (by plan)
-- and an axis page every validated plan's actions under one axis (by axis); with the few columns the
-- aggregates need in the index, PostgreSQL answers from the index without visiting the wide action rows.
drop index action_plan_axis_idx;
create index action_plan_cover_idx on action (plan_id) include (axis_id, sector_code, status, progress, end_date);
create index action_axis_cover_idx on action (axis_id, plan_id) include (status, progress, end_date);
