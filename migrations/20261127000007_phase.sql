-- The phase of a Maison in the Grenelle method (DESIGN.md section 1), derived from its data, never stored:
-- its latest plan decides (clôturé → évaluation; validé or en mise en œuvre → mise en œuvre; brouillon or
-- soumis → plan); without a plan, a validated diagnostic means it is building its plan, any diagnostic means
-- the diagnostic phase, and nothing yet means mobilisation of the actors.
create view maison_phase as
select m.id as maison_id,
       case
           when lp.status = 'cloture' then 'evaluation'
           when lp.status in ('valide', 'en_oeuvre') then 'mise_en_oeuvre'
           when lp.status is not null then 'plan'
           when exists (select 1 from diagnostic d where d.maison_id = m.id and d.status in ('valide', 'archive'))
               then 'plan'
           when exists (select 1 from diagnostic d where d.maison_id = m.id) then 'diagnostic'
           else 'mobilisation'
       end as phase
from maison m
left join lateral (
    select p.status from plan p where p.maison_id = m.id order by p.created_at desc, p.id desc limit 1
) lp on true;
