-- « The current plan » of a Maison, one rule for every page that stands a Maison for its plan (its phase,
-- its axis pages, /reseau, the network's axis pages, the Grenelle report): the plan being carried out
-- (en mise en œuvre), else the latest validated one (validé, or clôturé: validated then carried out),
-- else the latest draft (brouillon, soumis). « Latest » is by period, then by creation: a plan for
-- 2021-2023 recorded after the 2024-2026 one does not hide it, and a new draft never hides a running
-- plan (issue 15, bug 6). Replaces the « most recently created plan » of 20261127140001 and
-- 20261127000007.

-- The rule's order: the smaller, the more current.
create function plan_precedence(status text) returns integer
    language sql immutable parallel safe strict
    as $$ select case status when 'en_oeuvre' then 0 when 'valide' then 1 when 'cloture' then 1 else 2 end $$;

drop view maison_current_plan;
drop view maison_validated_plan;
drop view maison_phase;

create view maison_current_plan as
select distinct on (p.maison_id) p.maison_id, p.id as plan_id, p.status
from plan p
order by p.maison_id, plan_precedence(p.status), p.start_year desc, p.end_year desc, p.created_at desc, p.id desc;

-- What partners see: the same rule among the plans published to them (validé, en mise en œuvre, clôturé).
create view maison_validated_plan as
select distinct on (p.maison_id) p.maison_id, p.id as plan_id, p.status
from plan p
where plan_precedence(p.status) < 2
order by p.maison_id, plan_precedence(p.status), p.start_year desc, p.end_year desc, p.created_at desc, p.id desc;

-- The phase follows the current plan (clôturé → évaluation; validé or en mise en œuvre → mise en œuvre;
-- brouillon or soumis → plan); without a plan, as before.
create view maison_phase as
select m.id as maison_id,
       case
           when cp.status = 'cloture' then 'evaluation'
           when cp.status in ('valide', 'en_oeuvre') then 'mise_en_oeuvre'
           when cp.status is not null then 'plan'
           when exists (select 1 from diagnostic d where d.maison_id = m.id and d.status in ('valide', 'archive'))
               then 'plan'
           when exists (select 1 from diagnostic d where d.maison_id = m.id) then 'diagnostic'
           else 'mobilisation'
       end as phase
from maison m
left join maison_current_plan cp on cp.maison_id = m.id;

create index plan_current_idx
    on plan (maison_id, plan_precedence(status), start_year desc, end_year desc, created_at desc, id desc);

-- Plans of one Maison whose periods overlap while both are live (neither clôturé): which is the
-- Maison's current plan is then a matter of the rule above, so the pages warn about it.
create view plan_overlap as
select p.id as plan_id, o.id as other_id
from plan p
join plan o on o.maison_id = p.maison_id and o.id <> p.id
where p.status <> 'cloture' and o.status <> 'cloture'
  and p.start_year <= o.end_year and o.start_year <= p.end_year;
