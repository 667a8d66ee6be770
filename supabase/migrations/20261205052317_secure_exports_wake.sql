-- The wake-up as hosted Supabase needs it: pg_net authenticates with a
-- secret that can only wake the worker, files waiting to be purged wake it
-- too, and a setup that leaves the worker unwoken is reported by the cleanup
-- instead of passing in silence.

-- ============================================================================
-- tables
-- ============================================================================

-- One row a problem the last cleanup found, kept until a cleanup finds it
-- fixed: pg_cron keeps no job's result, so this is where a developer (or a
-- health check) finds what the cleanup's warnings said.
create table exports.warnings (
  code text primary key check (code in ('worker_url_missing', 'wake_secret_missing', 'wake_secret_is_a_project_key')),
  message text not null,
  hint text not null,
  first_raised_at timestamptz not null default now(),
  last_raised_at timestamptz not null default now()
);
comment on table exports.warnings is
  'What the cleanup finds wrong with the module''s setup, one row a problem, from the first cleanup that found it until one finds it fixed.';
alter table exports.warnings enable row level security;
revoke all on exports.warnings from public, anon, authenticated, service_role;
grant select on exports.warnings to service_role;

-- ============================================================================
-- functions
-- ============================================================================

-- Looked up by its function rather than its extension row: the wake-up only
-- needs net.http_post.
create function exports._pg_net_installed() returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'net' and p.proname = 'http_post')
$$;
comment on function exports._pg_net_installed is
  'Whether pg_net''s net.http_post exists, so the wake-up can call the worker over HTTP.';

-- The dedicated secret first; exports_worker_key is what installs made before
-- the wake secret keep in Vault (a project key: the cleanup warns about it).
create function exports._wake_token() returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  found jsonb;
begin
  if pg_catalog.to_regclass('vault.decrypted_secrets') is null then
    return null;
  end if;
  -- Vault exists only where installed: plpgsql_check must not resolve it.
  perform 'PRAGMA:DISABLE:CHECK';
  execute 'select jsonb_build_object(''token'', s.decrypted_secret, ''secret_name'', s.name) from vault.decrypted_secrets s
           where s.name in ($1, $2) order by s.name = $1 desc limit 1'
    into found using 'exports_wake_secret', 'exports_worker_key';
  return found;
end
$$;
comment on function exports._wake_token is
  'The wake-up''s bearer token from Vault and the secret''s name ({token, secret_name}): exports_wake_secret, else the exports_worker_key of older installs; null when neither is there.';

create function exports._wake_warnings() returns table (code text, message text, hint text)
language plpgsql
stable
set search_path = ''
as $$
declare
  url text := (select s.worker_url from exports.settings s);
  secret_name text := exports._wake_token() ->> 'secret_name';
  fix text := 'Generate a random secret (openssl rand -hex 32), then run supabase secrets set EXPORTS_WAKE_SECRET=<it> '
    || 'and select vault.create_secret(''<it>'', ''exports_wake_secret'').';
begin
  -- Without pg_net the wake-up notifies exports_wake, which the local stack's
  -- gateway hears: nothing to report.
  if not exports._pg_net_installed() then
    return;
  end if;
  if url is null then
    return query select 'worker_url_missing',
      'pg_net is installed but exports.settings.worker_url is not set: the wake-up notifies exports_wake, '
        || 'which no worker hears on hosted Supabase, so exports stay queued and expired files stay stored.',
      'update exports.settings set worker_url = ''https://<project-ref>.supabase.co/functions/v1/exports-worker'';';
  end if;
  if secret_name is null then
    return query select 'wake_secret_missing',
      'Vault holds no exports_wake_secret: the worker refuses the wake-up, so exports stay queued and expired files stay stored.',
      fix;
  elsif secret_name = 'exports_worker_key' then
    return query select 'wake_secret_is_a_project_key',
      'The wake-up authenticates with the Vault secret exports_worker_key, a key that opens the whole project, '
        || 'and pg_net keeps every request''s headers in net.http_request_queue.',
      fix || ' Then remove exports_worker_key from Vault.';
  end if;
end
$$;
comment on function exports._wake_warnings is
  'What keeps the pg_net wake-up from reaching the worker, or makes it unsafe: each problem''s code, message and fix. Nothing where pg_net is not installed.';

-- Wakes the worker when exports are due or files wait to be purged: the purge
-- runs in the worker's rounds, and an idle system would otherwise keep expired
-- files until someone requests an export.
create or replace function exports.wake_worker() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  url text := (select s.worker_url from exports.settings s);
  token text;
begin
  -- The claim's and the purge's own filters, so exports_claim_idx and
  -- exports_purge_idx answer them: this runs every 5 seconds.
  if not exists (
    select from exports.exports e where e.status = 'queued' and e.deleted_at is null and e.next_run_at <= now()
  ) and not exists (select from exports.objects_to_purge(1)) then
    return;
  end if;
  -- Without a URL nothing but a listener on exports_wake can be woken (the
  -- local stack's gateway); hosted, the cleanup reports worker_url_missing.
  if url is null or not exports._pg_net_installed() then
    perform pg_notify('exports_wake', '');
    return;
  end if;
  token := exports._wake_token() ->> 'token';
  -- pg_net exists only where installed: plpgsql_check must not resolve it.
  perform 'PRAGMA:DISABLE:CHECK';
  execute 'select net.http_post(url => $1, body => $2, headers => $3)'
    using url, '{}'::jsonb,
      jsonb_strip_nulls(jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || token));
end
$$;
comment on function exports.wake_worker is
  'Wakes the worker when exports are due or files wait to be purged: an HTTP call through pg_net to exports.settings.worker_url with the Vault secret exports_wake_secret as bearer token, else a notification on exports_wake.';

-- The cleanup of the first release, which now also reports the setup's problems.
create or replace function exports.cleanup_expired_exports() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  settings exports.settings := (select s from exports.settings s);
  expired bigint;
  requeued bigint;
  failed bigint;
  pruned_exports bigint;
  pruned_events bigint;
  pruned_job_runs bigint;
  dropped_claims bigint;
  found_warnings jsonb;
  warning record;
begin
  update exports.exports e set status = 'expired'
  where e.status = 'completed' and e.expires_at <= now();
  get diagnostics expired = row_count;

  -- A lease that ran out means the worker died or hung: the export goes back
  -- to the queue while it has attempts left, else it fails for good.
  with stuck as (
    update exports.exports e set
      status = case when e.attempt < e.max_attempts then 'queued' else 'failed' end,
      next_run_at = now(),
      finished_at = case when e.attempt < e.max_attempts then null else now() end,
      error_code = 'lease_expired',
      -- Hosted, the likeliest cause is an export too big for one function
      -- invocation's CPU, memory or time: every attempt dies the same way.
      error_message = exports._failure_message('lease_expired', e.source, e.format, null),
      lease_owner = null, lease_expires_at = null
    where e.status = 'processing' and e.lease_expires_at < now()
    returning e.status
  )
  select count(*) filter (where s.status = 'queued'), count(*) filter (where s.status = 'failed')
  into requeued, failed from stuck s;

  -- A request's claims are needed while its export may still run; once it
  -- has finished, the row stays for its retention, the requester's email and
  -- metadata do not.
  delete from exports.request_claims c
  using exports.exports e
  where e.export_id = c.export_id and e.status in ('completed', 'failed', 'canceled', 'expired');
  get diagnostics dropped_claims = row_count;

  -- Only rows whose file is gone (or was never written: no worker started
  -- them) are pruned, so no stored file is ever left without a row that
  -- points at it. The requested_at bound is there for
  -- exports_requested_brin_idx and excludes nothing the next line keeps: an
  -- export is finished, deleted and updated no earlier than it was requested.
  delete from exports.exports e
  where e.status in ('failed', 'canceled', 'expired', 'completed')
    and e.requested_at < now() - settings.record_retention
    and coalesce(e.deleted_at, e.finished_at, e.updated_at) < now() - settings.record_retention
    and (e.started_at is null or e.purged_at is not null);
  get diagnostics pruned_exports = row_count;

  perform set_config('exports.pruning_events', 'on', true);
  delete from exports.export_events v where v.occurred_at < now() - settings.event_retention;
  get diagnostics pruned_events = row_count;
  perform set_config('exports.pruning_events', 'off', true);

  -- pg_cron logs every run and never forgets one; the wake-up alone runs
  -- thousands of times a day, so the module prunes its own jobs' history.
  if exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    delete from cron.job_run_details d
    where d.jobid in (select j.jobid from cron.job j where j.jobname in ('exports-cleanup', 'exports-wake'))
      and d.end_time < now() - interval '1 day';
    get diagnostics pruned_job_runs = row_count;
  end if;

  -- The setup's problems: in the result, in exports.warnings (pg_cron keeps
  -- no result) and in the Postgres log, which hosted projects show.
  select coalesce(jsonb_agg(jsonb_build_object('code', w.code, 'message', w.message, 'hint', w.hint) order by w.code), '[]')
  into found_warnings from exports._wake_warnings() w;
  delete from exports.warnings x
  where not exists (select from jsonb_array_elements(found_warnings) f where f ->> 'code' = x.code);
  insert into exports.warnings as x (code, message, hint)
  select f ->> 'code', f ->> 'message', f ->> 'hint' from jsonb_array_elements(found_warnings) f
  on conflict (code) do update set message = excluded.message, hint = excluded.hint, last_raised_at = now();
  for warning in select f ->> 'message' as message, f ->> 'hint' as hint from jsonb_array_elements(found_warnings) f loop
    raise warning 'exports: %', warning.message using hint = warning.hint;
  end loop;

  return jsonb_build_object(
    'expired', expired, 'requeued', requeued, 'failed', failed, 'dropped_claims', dropped_claims,
    'files_to_purge', (select count(*) from exports.objects_to_purge(2147483647)),
    'pruned_exports', pruned_exports, 'pruned_events', pruned_events, 'pruned_job_runs', coalesce(pruned_job_runs, 0),
    'warnings', found_warnings);
end
$$;
comment on function exports.cleanup_expired_exports is
  'Expires completed exports past their expiry, returns stuck leases to the queue, drops the request claims of finished exports, counts files to purge, prunes rows (and its pg_cron run history) past retention and reports what keeps the worker from being woken (also kept in exports.warnings); returns a summary.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._pg_net_installed(), exports._wake_token(), exports._wake_warnings()
  from public, anon, authenticated, service_role;
