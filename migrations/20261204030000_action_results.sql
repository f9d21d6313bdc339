-- Results that add up across Maisons (issue 15, the report AVE sends to ADEME; issue 16 builds on it).
--
-- An action indicator may be one of the network's catalogue indicators (`indicator_id`): its label and
-- unit are then the catalogue's, and whether it adds up across Maisons is the catalogue's `measure` (an
-- « effectif » — trainees, firms, hours, households — adds up; a « taux » does not). Lines without it keep
-- their free label and unit, and are never summed. A funding line may name its funder in the organisation
-- directory (`action_funding.organisation_id`, there since 20261127000005); the free text stays for the
-- funders not in it, and is reported apart.

-- Which catalogue indicators measure the results of fiches actions, and which describe a territory in a
-- diagnostic (some do both: FEEBAT trainees, RGE firms, insertion hours).
alter table indicator add column for_actions boolean not null default false,
                      add column for_diagnostics boolean not null default true;
alter table indicator alter column label type text collate fr_tri,
                      alter column theme type text collate fr_tri;

update indicator set for_actions = true where code in ('FEEBAT', 'RGE', 'CLAUSES_H', 'RENOV');

-- The usual results of the programme's actions.
insert into indicator (code, label, unit, source, theme, per_capita, measure, for_actions, for_diagnostics) values
('ACT_RECRUT', 'Recrutements', 'recrutements', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_MENAGES', 'Ménages accompagnés', 'ménages', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_FORUM', 'Participants à un forum', 'participants', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_ENTREPRISES', 'Entreprises accompagnées', 'entreprises', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_FORMES', 'Personnes formées', 'personnes', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_ACCOMPAGNES', 'Personnes accompagnées', 'personnes', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false),
('ACT_SORTIES', 'Sorties positives (emploi ou formation)', 'personnes', 'Suivi des fiches actions', 'Résultats des actions', false, 'effectif', true, false);

alter table action_indicator add column indicator_id bigint references indicator;
create index action_indicator_indicator_idx on action_indicator (indicator_id) where indicator_id is not null;
create index action_funding_organisation_idx on action_funding (organisation_id) where organisation_id is not null;

-- Funders are sorted and grouped by name in French order.
alter table action_funding alter column funder type text collate fr_tri;

-- The results of an action by year: what the report sums. Today one target and one achieved value per
-- indicator line and year; issue 16 (targets and achieved values per year of the plan) redefines this
-- view over its own table, and the report keeps reading it.
create view action_result as
select ai.id as line_id, ai.action_id, ai.indicator_id, ai.year, ai.target, ai.achieved
from action_indicator ai
where ai.year is not null;
