-- Synthetic network at 10 × the real size for measuring /reseau and the axis pages (issue 7):
-- 2,050 Maisons on real EPCI, diagnostics with indicator values, plans (an old closed one for a quarter of
-- them), 12 fiches actions per current plan with funding lines and indicators, 20 journal events per Maison.
-- Deterministic. Run on a migrated, EMPTY database:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/reseau-synthetic.sql
begin;

insert into maison (name, legal_form, region_code, departement_code, city, grenelle_year, grenelle_pilot, created_at)
select 'Maison de l''emploi synthétique n° ' || g,
       case when g % 3 = 0 then 'gip' else 'association' end,
       e.region_codes[1], e.departement_codes[1], e.name,
       case when g % 7 = 0 then 2009 + g % 4 end, g % 700 = 0,
       now() - interval '3 years'
from generate_series(1, 2050) g
join lateral (
    select * from epci where region_codes[1] in (select code from region where zone in ('metro', 'drom'))
      and departement_codes[1] in (select code from departement)
    order by siren offset (g * 37) % 1200 limit 1
) e on true;

insert into maison_epci (maison_id, epci_siren)
select m.id, e.siren
from maison m
join lateral (
    select siren from epci where departement_codes[1] = m.departement_code order by siren
    offset (m.id % 3) limit 1 + (m.id % 2)
) e on true
on conflict do nothing;

-- Diagnostics: 80 % of the Maisons; 60 % of those validated.
insert into diagnostic (maison_id, title, reference_year, status, created_at)
select m.id, 'Diagnostic emploi-formation du bâtiment durable ' || m.id, 2023,
       case when m.id % 5 < 3 then 'valide' when m.id % 5 = 3 then 'partage' else 'brouillon' end,
       now() - interval '2 years'
from maison m where m.id % 10 < 8;

insert into diagnostic_section (diagnostic_id, position, kind, title, body)
select d.id, s, 'libre', 'Section ' || s,
       'Les entreprises du bâtiment peinent à recruter ; la rénovation énergétique des logements anciens demande des formations FEEBAT et le label RGE. Section ' || s || ' du diagnostic ' || d.id || '.'
from diagnostic d, generate_series(1, 4) s;

insert into indicator_value (diagnostic_id, indicator_id, value, year)
select d.id, i.id, ((d.id * 7919 + i.id * 104729) % 10000) / 10.0 + 1, 2022
from diagnostic d join indicator i on i.id <= 12;

-- Plans: a closed first plan for a quarter of the Maisons, then the current plan for 75 %.
insert into plan (maison_id, diagnostic_id, title, start_year, end_year, status, created_at)
select m.id, null, 'Premier plan d''actions ' || m.id, 2010, 2013, 'cloture', now() - interval '2 years'
from maison m where m.id % 4 = 0;

insert into plan (maison_id, diagnostic_id, title, start_year, end_year, status, created_at)
select m.id, (select d.id from diagnostic d where d.maison_id = m.id limit 1),
       'Plan d''actions Grenelle ' || m.id, 2024, 2027,
       (array['brouillon', 'soumis', 'valide', 'en_oeuvre', 'en_oeuvre', 'cloture'])[1 + m.id % 6],
       now() - interval '1 year'
from maison m where m.id % 4 <> 1;

insert into action (plan_id, number, title, objectives, description, axis_id, sector_code, start_date, end_date,
                    priority, status, progress)
select p.id, n,
       (array['Formation FEEBAT des artisans', 'Forum des métiers verts', 'GPECT du bâtiment',
              'Clauses d''insertion', 'Accompagnement RGE des entreprises', 'Aide à la mobilité',
              'Garde d''enfants en horaires décalés', 'Observatoire des compétences'])[1 + (p.id + n) % 8] || ' ' || n,
       'Former et accompagner les publics vers les métiers de la rénovation énergétique',
       'Action ' || n || ' du plan ' || p.id || ' : ateliers, visites de chantiers, partenariat avec la CAPEB et la FFB.',
       (select id from axis where charter = '2009' and number = 1 + n % 4),
       (array['batiment', 'enr', 'transports', 'eau_dechets', 'batiment', null])[1 + (p.id + n) % 6],
       date '2023-01-01' + ((p.id * n) % 150)::int,
       date '2024-06-01' + ((p.id * 13 + n * 97) % 1400)::int,
       (array['haute', 'moyenne', 'basse'])[1 + n % 3],
       (array['a_lancer', 'en_cours', 'en_cours', 'en_pause', 'realisee', 'realisee', 'abandonnee'])[1 + (p.id * 3 + n) % 7],
       (p.id * 17 + n * 29) % 101
from plan p, generate_series(1, 12) n;

insert into action_funding (action_id, funder, amount_cents, state, position)
select a.id, f.funder, (a.id * 7 % 500 + 1) * 10000, case when (a.id + f.k) % 3 = 0 then 'sollicite' else 'acquis' end, f.k
from action a,
     (values (1, 'ADEME'), (2, 'Conseil régional')) f(k, funder)
where (a.id + f.k) % 2 = 0 or f.k = 1;

insert into action_indicator (action_id, label, unit, target, achieved, year, position)
select a.id, 'Personnes formées', 'personnes', 20 + a.id % 30, a.id % 40, 2024 + a.id % 2, 0
from action a;

insert into event (at, maison_id, object_type, object_id, action, summary)
select now() - ((m.id * 31 + k * 17) % 400) * interval '1 day', m.id, 'maison', m.id, 'modification', 'Maison modifiée'
from maison m, generate_series(1, 20) k;

commit;
analyze;
