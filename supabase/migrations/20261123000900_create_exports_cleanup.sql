-- The sweep that keeps the module tidy: expires completed files, returns
-- stuck leases to the queue, lists stored files to purge (SQL may not delete
-- Storage objects: the worker deletes them through the Storage API, then
-- records the purge) and prunes old rows by the retention settings.

-- ============================================================================
-- tables
-- ============================================================================

-- Files whose export row is gone before its files were (the owner's account
-- was deleted, cascading to their exports), so the worker can still remove
-- them: each attempt a worker started may have stored one.
create table exports.orphaned_files (
  export_id uuid primary key,
  storage_bucket text not null,
  storage_paths text[] not null check (cardinality(storage_paths) > 0),
  orphaned_at timestamptz not null default now()
);
comment on table exports.orphaned_files is
  'Stored files of exports that were deleted with their owner, waiting for the worker to remove them from Storage.';
alter table exports.orphaned_files enable row level security;
revoke all on exports.orphaned_files from public, anon, authenticated, service_role;
grant select on exports.orphaned_files to service_role;

-- Security definer: a user deleted through Supabase Auth cascades here as the
-- role that deleted them (supabase_auth_admin, not the table's owner: foreign
-- key cascades run their triggers as the outer role), which may not touch
-- the exports schema; without it, deleting a user with a started export fails.
create function exports._keep_orphaned_file() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Each attempt claimed may have stored a file.
  if old.attempt > 0 and old.purged_at is null then
    insert into exports.orphaned_files (export_id, storage_bucket, storage_paths)
    values (old.export_id, old.storage_bucket, exports._attempt_paths(old))
    on conflict (export_id) do nothing;
  end if;
  return null;
end
$$;

create trigger _500_keep_orphaned_file after delete on exports.exports
  for each row execute function exports._keep_orphaned_file();

-- ============================================================================
-- functions
-- ============================================================================

create function exports.objects_to_purge(max_objects int default 100)
returns table (export_id uuid, storage_bucket text, storage_paths text[])
language sql
stable
security definer
set search_path = ''
as $$
  (select e.export_id, e.storage_bucket, exports._attempt_paths(e)
   from exports.exports e
   where e.purged_at is null and e.started_at is not null
     and (e.status in ('expired', 'failed', 'canceled') or (e.deleted_at is not null and e.status = 'completed'))
   order by e.id
   limit max_objects)
  union all
  (select o.export_id, o.storage_bucket, o.storage_paths
   from exports.orphaned_files o
   order by o.orphaned_at
   limit max_objects)
  limit max_objects
$$;
comment on function exports.objects_to_purge is
  'The files of expired, deleted or orphaned exports, and the paths of failed or canceled ones a worker started (each attempt may have stored a file): every attempt''s path, for at most max_objects exports, for the worker to delete through the Storage API.';

create function exports.record_purged(export_ids uuid[]) returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  purged int;
  orphans int;
begin
  update exports.exports e set purged_at = now()
  where e.export_id = any (export_ids) and e.purged_at is null and e.started_at is not null
    and (e.status in ('expired', 'failed', 'canceled') or (e.deleted_at is not null and e.status = 'completed'));
  get diagnostics purged = row_count;
  delete from exports.orphaned_files o where o.export_id = any (export_ids);
  get diagnostics orphans = row_count;
  return purged + orphans;
end
$$;
comment on function exports.record_purged is
  'Records that the files of these exports are gone from Storage; returns how many it recorded.';

create function exports.cleanup_expired_exports() returns jsonb
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

  return jsonb_build_object(
    'expired', expired, 'requeued', requeued, 'failed', failed, 'dropped_claims', dropped_claims,
    'files_to_purge', (select count(*) from exports.objects_to_purge(2147483647)),
    'pruned_exports', pruned_exports, 'pruned_events', pruned_events, 'pruned_job_runs', coalesce(pruned_job_runs, 0));
end
$$;
comment on function exports.cleanup_expired_exports is
  'Expires completed exports past their expiry, returns stuck leases to the queue, drops the request claims of finished exports, counts files to purge and prunes rows (and its pg_cron run history) past retention; returns a summary.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._keep_orphaned_file(), exports.objects_to_purge(int),
  exports.record_purged(uuid[]), exports.cleanup_expired_exports()
  from public, anon, authenticated;
grant execute on function exports.objects_to_purge(int), exports.record_purged(uuid[]),
  exports.cleanup_expired_exports()
  to service_role;
