-- An export too big for one run of the worker ends failed with what narrows
-- it: when every attempt's lease ran out (hosted, each worker instance was
-- stopped at its CPU, memory or wall-clock limit), the last one records
-- too_big_for_worker instead of lease_expired, whose message only says the
-- export is being retried.

-- ============================================================================
-- vocabulary
-- ============================================================================

insert into exports.failure_codes (code, message, retryable, recorded_by, description) values
  ('too_big_for_worker',
   'This export is too big to finish in one run of the export worker: each attempt was stopped at '
   'the limits of the platform it runs on (time, memory or CPU); narrow it down (a shorter date '
   'range, a filter, fewer rows){or_csv}.',
   false, 'database',
   'Every attempt''s lease ran out: each worker died or hung, hosted most likely at a function instance''s CPU, memory or wall-clock limit (exports.cleanup_expired_exports).');

-- ============================================================================
-- functions
-- ============================================================================

-- The cleanup as before, but an export out of attempts fails as too big.
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
  -- to the queue while it has attempts left. When every attempt died so,
  -- hosted the likeliest cause is an export too big for one function
  -- instance's CPU, memory or time: it fails with what narrows it.
  with stuck as (
    update exports.exports e set
      status = 'queued', next_run_at = now(), error_code = 'lease_expired',
      error_message = exports._failure_message('lease_expired', e.source, e.format, null),
      lease_owner = null, lease_expires_at = null
    where e.status = 'processing' and e.lease_expires_at < now() and e.attempt < e.max_attempts
    returning 1
  )
  select count(*) into requeued from stuck;
  with spent as (
    update exports.exports e set
      status = 'failed', next_run_at = now(), finished_at = now(), error_code = 'too_big_for_worker',
      error_message = exports._failure_message('too_big_for_worker', e.source, e.format, null),
      lease_owner = null, lease_expires_at = null
    where e.status = 'processing' and e.lease_expires_at < now() and e.attempt >= e.max_attempts
    returning 1
  )
  select count(*) into failed from spent;

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
  'Expires completed exports past their expiry, returns stuck leases to the queue (failing those whose every attempt ran out, as too big for the worker), drops the request claims of finished exports, counts files to purge, prunes rows (and its pg_cron run history) past retention and reports what keeps the worker from being woken (also kept in exports.warnings); returns a summary.';
