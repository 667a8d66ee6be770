-- Supabase's event triggers that tell PostgREST to reload its schema cache
-- after DDL (`NOTIFY pgrst, 'reload schema'`), so new and changed functions
-- are callable through /rest/v1/rpc without a restart. The local gateway
-- follows the same notification.
do $do$
begin
  if to_regprocedure('extensions.pgrst_ddl_watch()') is null then
    create function extensions.pgrst_ddl_watch() returns event_trigger
    language plpgsql
    as $$
    declare
      cmd record;
    begin
      for cmd in select * from pg_event_trigger_ddl_commands() loop
        -- Temporary objects are nobody's API.
        if cmd.schema_name is distinct from 'pg_temp' then
          notify pgrst, 'reload schema';
          return;
        end if;
      end loop;
    end
    $$;
  end if;
  if to_regprocedure('extensions.pgrst_drop_watch()') is null then
    create function extensions.pgrst_drop_watch() returns event_trigger
    language plpgsql
    as $$
    declare
      obj record;
    begin
      for obj in select * from pg_event_trigger_dropped_objects() loop
        if not obj.is_temporary then
          notify pgrst, 'reload schema';
          return;
        end if;
      end loop;
    end
    $$;
  end if;
  if not exists (select from pg_event_trigger where evtname = 'pgrst_ddl_watch') then
    create event trigger pgrst_ddl_watch on ddl_command_end execute function extensions.pgrst_ddl_watch();
  end if;
  if not exists (select from pg_event_trigger where evtname = 'pgrst_drop_watch') then
    create event trigger pgrst_drop_watch on sql_drop execute function extensions.pgrst_drop_watch();
  end if;
end
$do$;
