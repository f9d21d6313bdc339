-- Erasing an account (issue 23): the account stays, anonymised (« Compte supprimé n° 123 »), so that its
-- comments and the journal keep their author; everything else about the person goes. The journal is
-- append-only: it must never need rewriting for an erasure, so it holds no name and no e-mail address.
-- People are named when the journal is read (the account's current name, `audit::WHO_JOIN`), and a value
-- of a change that is a person's data is a reference:
--   {"compte": 12}   an account, shown under its current name (a fiche's référent, …);
--   {"donnee": 34}   a row of event_personal_value (an account's former name or e-mail address), which an
--                    erasure deletes: the journal then shows « (donnée effacée) ».
alter table account add column erased_at timestamptz;

create table event_personal_value (
    id bigserial primary key,
    account_id bigint not null references account on delete cascade,
    value text not null
);
create index event_personal_value_account_idx on event_personal_value (account_id);

-- One value of a change, as the journal shows it.
create function event_value_shown(v jsonb) returns jsonb language sql stable as $$
    select case
        when v is null or jsonb_typeof(v) <> 'object' then v
        when v ? 'compte' then coalesce(
            (select to_jsonb(a.name) from account a where a.id = (v ->> 'compte')::bigint),
            to_jsonb('Compte supprimé n° ' || (v ->> 'compte')))
        when v ? 'donnee' then coalesce(
            (select to_jsonb(p.value) from event_personal_value p where p.id = (v ->> 'donnee')::bigint),
            '{"effacee": true}'::jsonb)
        else v
    end
$$;

-- An event's changes (`[{field, label, before, after}]`) as the journal shows them.
create function event_changes_shown(changes jsonb) returns jsonb language sql stable as $$
    select coalesce(jsonb_agg(
               c || jsonb_build_object('before', event_value_shown(c -> 'before'),
                                       'after', event_value_shown(c -> 'after'))
               order by n), '[]'::jsonb)
    from jsonb_array_elements(case jsonb_typeof(changes) when 'array' then changes else '[]'::jsonb end)
         with ordinality as t(c, n)
$$;

-- The journal written before this migration: the names and e-mail addresses it holds move out of it, once.
-- 1. An account's name and e-mail in the changes of its own events become event_personal_value rows.
do $$
declare
    r record;
    item jsonb;
    shown jsonb;
    moved jsonb;
    side text;
    pid bigint;
begin
    for r in select e.id, e.object_id, e.changes from event e
             where e.object_type = 'account' and jsonb_typeof(e.changes) = 'array'
               and exists (select 1 from account a where a.id = e.object_id)
               and exists (select 1 from jsonb_array_elements(e.changes) c
                           where c ->> 'field' in ('name', 'email'))
    loop
        moved := '[]'::jsonb;
        for item in select c from jsonb_array_elements(r.changes) with ordinality t(c, n) order by n loop
            shown := item;
            if item ->> 'field' in ('name', 'email') then
                foreach side in array array['before', 'after'] loop
                    if jsonb_typeof(item -> side) = 'string' then
                        insert into event_personal_value (account_id, value)
                        values (r.object_id, item ->> side) returning id into pid;
                        shown := jsonb_set(shown, array[side], jsonb_build_object('donnee', pid));
                    end if;
                end loop;
            end if;
            moved := moved || jsonb_build_array(shown);
        end loop;
        update event set changes = moved where id = r.id;
    end loop;
end
$$;

-- 2. A fiche action's référent was written by name: the account of that name, when only one has it.
update event e set changes = (
    select jsonb_agg(
        case when c ->> 'field' = 'referent' then
            c || jsonb_build_object(
                'before', coalesce((select jsonb_build_object('compte', min(a.id)) from account a
                                    where a.name = c ->> 'before' having count(*) = 1), c -> 'before'),
                'after', coalesce((select jsonb_build_object('compte', min(a.id)) from account a
                                   where a.name = c ->> 'after' having count(*) = 1), c -> 'after'))
        else c end order by n)
    from jsonb_array_elements(e.changes) with ordinality t(c, n))
where e.object_type = 'action' and jsonb_typeof(e.changes) = 'array'
  and exists (select 1 from jsonb_array_elements(e.changes) c where c ->> 'field' = 'referent');

-- 3. Summaries that named the account they are about: the account is the event's object, named when read.
update event set summary = regexp_replace(summary, '^Invitation de .+ \([^()]*@[^()]*\) : ', 'Invitation : ')
 where object_type = 'account' and action = 'invitation';
update event set summary = regexp_replace(summary, '^Compte de .+ (modifié|désactivé|réactivé)', 'Compte \1')
 where object_type = 'account' and action in ('modification', 'desactivation', 'reactivation');
update event set summary = regexp_replace(summary,
        '^Compte créé en ligne de commande pour .+ \((Administration du réseau \(AVE\)|Équipe de la Maison|Partenaire)\)$',
        'Compte créé en ligne de commande (\1)')
 where object_type = 'account' and action = 'creation';
update event set summary = regexp_replace(summary, '^Nouveau lien d''invitation pour \S+ ', 'Nouveau lien d''invitation ')
 where object_type = 'account' and action = 'invitation_renvoyee';
