-- Removes Supabase Exports and its sample app from a database: the pg_cron
-- jobs, the client RPCs, the `exports` schema and the sample app's `sample`
-- schema with all their data, the empty `exports` bucket and the module's rows
-- in the migration history, so that `supabase migration up` installs the
-- module again. A `sample` schema that is not the sample app's stays.
-- pg_cron itself stays installed: other parts of the project may use it.
-- Run it with scripts/uninstall, which passes the versions of the module's
-- migrations as the psql variable migration_versions.

begin;

do $$
begin
  if exists (select from pg_catalog.pg_proc where oid = to_regprocedure('exports.unschedule_jobs()')) then
    perform exports.unschedule_jobs();
  end if;
end
$$;

drop function if exists
  public.request_export(text, text, jsonb, text, uuid, text, boolean, bigint),
  public.list_exports(text, text, text, timestamptz, timestamptz, int, uuid),
  public.get_export(uuid),
  public.list_export_events(uuid),
  public.cancel_export(uuid),
  public.delete_export(uuid),
  public.record_export_download(uuid),
  public.list_export_sources(),
  public.list_export_scopes(),

  public.set_export_priority(uuid, int);

-- An adopter who left the sample app out may well have a `sample` schema of
-- their own: drop it only when it carries the comment the sample app's
-- migration (20261123001200) gives it.
do $$
begin
  if pg_catalog.obj_description(pg_catalog.to_regnamespace('sample'), 'pg_namespace')
      like 'A sample app for Supabase Exports %' then
    drop schema sample cascade;
  end if;
end
$$;
-- The Broadcast from Database policies live on Realtime's table, which stays.
do $$
begin
  if pg_catalog.to_regclass('realtime.messages') is not null then
    drop policy if exists "Owners receive the broadcasts of their own exports" on realtime.messages;
    drop policy if exists "Scope members receive the broadcasts of their scope's exports" on realtime.messages;
  end if;
end
$$;
drop schema if exists exports cascade;
drop schema if exists exports_staging cascade;
drop type if exists public.export_summary;

-- The counting role belongs to the cluster: it stays while another database
-- of the cluster still has the module.
do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'exports_counter') then
    drop role exports_counter;
  end if;
exception
  when dependent_objects_still_exist then
    raise notice 'role exports_counter was kept: another database of this cluster still uses it';
end
$$;

-- Storage refuses plain-SQL deletes so that no stored file is orphaned; an
-- empty bucket orphans nothing, so its row may go. Files must be removed
-- through the Storage API first.
do $$
begin
  if exists (select from storage.objects where bucket_id = 'exports') then
    raise notice 'the exports bucket still holds files and was kept'
      using hint = 'Empty it through the Storage API, then delete the bucket.';
  else
    perform set_config('storage.allow_delete_query', 'true', true);
    delete from storage.buckets where id = 'exports';
  end if;
end
$$;

-- The module's migration history, so that its migrations can be applied
-- again. scripts/uninstall passes their versions, read from the file names in
-- supabase/migrations, so no list here can fall behind a new migration.
select pg_catalog.set_config('exports_uninstall.migration_versions', :'migration_versions', true) \g /dev/null
do $$
begin
  if to_regclass('supabase_migrations.schema_migrations') is not null then
    delete from supabase_migrations.schema_migrations
    where version = any (current_setting('exports_uninstall.migration_versions')::text[]);
  end if;
end
$$;

commit;
