-- The copil's decisions recorded as free text before meetings existed (issue 17) become meetings: one per
-- Maison and day, the validations of diagnostics and the decisions on plans of that day referring to it;
-- the members present and the minutes typed with the plans' decisions are kept on the meeting. Only what
-- refers to no meeting yet is read, so that running it again changes nothing (the demo runs it after
-- seeding; tests/it/copil.rs runs it on decisions of the old shape).
insert into copil_meeting (maison_id, held_on, other_members, minutes, created_by)
select x.maison_id, x.held_on,
       coalesce(string_agg(distinct nullif(btrim(x.members), ''), ' ; ' order by nullif(btrim(x.members), '')), ''),
       coalesce(string_agg(distinct nullif(btrim(x.minutes), ''), E'\n\n' order by nullif(btrim(x.minutes), '')), ''),
       min(x.recorded_by)
from (
    select d.maison_id, d.validated_on as held_on, '' as members, '' as minutes, null::bigint as recorded_by
      from diagnostic d where d.validated_on is not null and d.copil_meeting_id is null
    union all
    select p.maison_id, c.decided_on, c.members_present, c.minutes, c.recorded_by
      from copil_decision c join plan p on p.id = c.plan_id where c.meeting_id is null
) x
group by x.maison_id, x.held_on
on conflict (maison_id, held_on) do nothing;

update diagnostic d set copil_meeting_id = m.id
  from copil_meeting m
 where d.copil_meeting_id is null and d.validated_on is not null
   and m.maison_id = d.maison_id and m.held_on = d.validated_on;

update copil_decision c set meeting_id = m.id
  from plan p, copil_meeting m
 where c.meeting_id is null and p.id = c.plan_id
   and m.maison_id = p.maison_id and m.held_on = c.decided_on;
