-- Network dashboard, axis pages and search (issue 7).

-- French full-text search that ignores accents: the 'french' configuration with unaccent before the
-- Snowball stemmer, so that « formation », « formations » and « FORMATION » match, and « énergie » matches
-- « energie ».
create text search configuration fr_unaccent (copy = french);
alter text search configuration fr_unaccent
    alter mapping for hword, hword_part, word with unaccent, french_stem;

-- The searchable text of each object, as IMMUTABLE functions so that GIN expression indexes can use them and
-- the queries repeat exactly the indexed expression.
create function action_search_text(title text, objectives text, description text, target_public text,
                                   expected_results text) returns tsvector
    language sql immutable parallel safe
    as $$ select setweight(to_tsvector('public.fr_unaccent', coalesce(title, '')), 'A')
              || setweight(to_tsvector('public.fr_unaccent', coalesce(objectives, '') || ' ' ||
                     coalesce(expected_results, '') || ' ' || coalesce(target_public, '')), 'B')
              || setweight(to_tsvector('public.fr_unaccent', coalesce(description, '')), 'C') $$;

create function doc_search_text(title text, body text) returns tsvector
    language sql immutable parallel safe
    as $$ select setweight(to_tsvector('public.fr_unaccent', coalesce(title, '')), 'A')
              || setweight(to_tsvector('public.fr_unaccent', coalesce(body, '')), 'C') $$;

create index action_search_idx on action
    using gin (action_search_text(title, objectives, description, target_public, expected_results));
create index plan_search_idx on plan using gin (doc_search_text(title, evaluation));
create index diagnostic_search_idx on diagnostic using gin (doc_search_text(title, copil_decision));
create index diagnostic_section_search_idx on diagnostic_section using gin (doc_search_text(title, body));

-- The plan and the diagnostic that stand for a Maison on the dashboard and the axis pages: its latest one
-- (the same rule as maison_phase). Plans revised as a new version would otherwise count their actions twice.
create view maison_current_plan as
select distinct on (p.maison_id) p.maison_id, p.id as plan_id, p.status
from plan p
order by p.maison_id, p.created_at desc, p.id desc;

-- For partners: the latest plan among the validated ones (valide, en mise en œuvre, clôturé).
create view maison_validated_plan as
select distinct on (p.maison_id) p.maison_id, p.id as plan_id, p.status
from plan p
where p.status in ('valide', 'en_oeuvre', 'cloture')
order by p.maison_id, p.created_at desc, p.id desc;

create view maison_current_diagnostic as
select distinct on (d.maison_id) d.maison_id, d.id as diagnostic_id, d.status
from diagnostic d
order by d.maison_id, d.created_at desc, d.id desc;

-- Population of a Maison's territory: the communes of its EPCI.
create view maison_population as
select me.maison_id, coalesce(sum(c.population), 0)::bigint as population
from maison_epci me
join commune c on c.epci_siren = me.epci_siren
group by me.maison_id;

create index plan_maison_created_idx on plan (maison_id, created_at desc, id desc);
create index diagnostic_maison_created_idx on diagnostic (maison_id, created_at desc, id desc);
create index action_plan_axis_idx on action (plan_id, axis_id);
