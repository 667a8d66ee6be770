-- The scheduled jobs: the cleanup every minute and a wake-up for the worker.
-- pg_cron lives only in the database named by cron.database_name; elsewhere
-- (a throwaway test database, a project without pg_cron) scheduling is
-- skipped with a notice and everything else still works.

-- ============================================================================
-- pg_cron, where it can be installed
-- ============================================================================

do $$
begin
  if current_database() = current_setting('cron.database_name', true)
     and exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    -- pg_catalog, as Supabase installs it: the extension's objects live in schema cron.
    create extension if not exists pg_cron with schema pg_catalog;
  end if;
end
$$;

-- ============================================================================
-- functions
-- ============================================================================

-- Wakes the worker when exports are due. Hosted, pg_net calls the worker's
-- URL (exports.settings.worker_url, with the vault secret exports_worker_key
-- as bearer token); locally, the gateway LISTENs on exports_wake.
create function exports.wake_worker() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  url text := (select s.worker_url from exports.settings s);
  token text;
begin
  -- The claim's own filter, so exports_claim_idx answers it: without
  -- `deleted_at is null` it would scan the whole table every 5 seconds.
  if not exists (
    select from exports.exports e where e.status = 'queued' and e.deleted_at is null and e.next_run_at <= now()
  ) then
    return;
  end if;
  if url is not null and exists (select from pg_catalog.pg_extension where extname = 'pg_net') then
    -- Vault and pg_net exist only where installed: plpgsql_check must not resolve them.
    perform 'PRAGMA:DISABLE:CHECK';
    if exists (select from pg_catalog.pg_extension where extname = 'supabase_vault') then
      execute 'select decrypted_secret from vault.decrypted_secrets where name = $1'
        into token using 'exports_worker_key';
    end if;
    -- Dynamic SQL, so the function compiles where pg_net is not installed.
    execute 'select net.http_post(url => $1, body => $2, headers => $3)'
      using url, '{}'::jsonb,
        jsonb_strip_nulls(jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || token));
  else
    perform pg_notify('exports_wake', '');
  end if;
end
$$;
comment on function exports.wake_worker is
  'Wakes the worker when exports are due: an HTTP call through pg_net where it is installed, else a notification on exports_wake.';

-- Idempotent: cron.schedule with a job name updates that job in place, so a
-- second run leaves the same jobs with the same ids and nothing else changes.
create function exports.schedule_jobs() returns setof text
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    raise notice 'pg_cron is not installed in database %: exports jobs are not scheduled', current_database()
      using hint = 'Install pg_cron in the database named by cron.database_name, then run select exports.schedule_jobs().';
    return;
  end if;
  perform cron.schedule('exports-cleanup', '* * * * *', 'select exports.cleanup_expired_exports()');
  return next 'exports-cleanup';
  -- Sub-minute schedules need pg_cron 1.5; older versions wake once a minute.
  begin
    perform cron.schedule('exports-wake', '5 seconds', 'select exports.wake_worker()');
  exception when invalid_parameter_value or invalid_text_representation or data_exception then
    perform cron.schedule('exports-wake', '* * * * *', 'select exports.wake_worker()');
  end;
  return next 'exports-wake';
end
$$;
comment on function exports.schedule_jobs is
  'Schedules the exports-cleanup and exports-wake pg_cron jobs by name, idempotently; skips with a notice where pg_cron is not installed. Returns the names of the jobs it scheduled.';

create function exports.unschedule_jobs() returns setof text
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    return;
  end if;
  return query
    select j.jobname::text from cron.job j
    where j.jobname in ('exports-cleanup', 'exports-wake') and cron.unschedule(j.jobid);
end
$$;
comment on function exports.unschedule_jobs is 'Removes the module''s pg_cron jobs; returns the names of those it removed.';

revoke execute on function exports.wake_worker(), exports.schedule_jobs(), exports.unschedule_jobs()
  from public, anon, authenticated, service_role;

select exports.schedule_jobs();
