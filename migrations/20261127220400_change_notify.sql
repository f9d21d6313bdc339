-- Tells every `mde serve` process that network figures may have changed (see src/cache.rs): one
-- notification per transaction (PostgreSQL folds identical notifications of a transaction), delivered at
-- commit, so a process never drops its cache before the change is visible.
create function notify_change() returns trigger language plpgsql as $$
begin
    perform pg_notify('mde_changes', '');
    return null;
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array['event', 'maison', 'maison_epci', 'organisation', 'partnership', 'diagnostic',
                             'indicator_value', 'plan', 'action', 'action_funding', 'action_indicator',
                             'action_partner', 'axis', 'sector', 'indicator']
    loop
        execute format('create trigger %I after insert or update or delete or truncate on %I
                        for each statement execute function notify_change()', t || '_notify_change', t);
    end loop;
end
$$;
