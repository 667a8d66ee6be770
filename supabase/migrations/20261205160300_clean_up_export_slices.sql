-- The cleanup of exports written in slices: staged rows are dropped once
-- their export is no longer queued or processing; the purge lists every
-- part's path; unfinished uploads of exports that ended are listed for the
-- worker to delete through Storage, then forgotten.

-- ============================================================================
-- paths
-- ============================================================================

-- Every path an export's files may have: the whole file of each attempt
-- before its rows were staged, then its parts: those recorded, the one a
-- slice was writing, and the next (a slice that died after ending a part may
-- have begun it).
create function exports._export_paths(e exports.exports) returns text[]
language sql
stable
security definer
set search_path = ''
as $$
  select array(
    select exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, n, e.file_name)
    from generate_series(1, coalesce(e.staged_attempt - 1, e.attempt)) as n
    union all
    select pg_catalog.format('%s/%s/%s', coalesce(e.scope_id, e.owner_id), e.export_id, exports._part_file_name(e, n))
    from generate_series(1, e.parts + 2) as n
    where e.staged_attempt is not null)
$$;
comment on function exports._export_paths is
  'Every path an export''s files may have in the bucket: each attempt''s whole file before it was staged, then its parts.';

create or replace function exports.objects_to_purge(max_objects int default 100)
returns table (export_id uuid, storage_bucket text, storage_paths text[])
language sql
stable
security definer
set search_path = ''
as $$
  (select e.export_id, e.storage_bucket, exports._export_paths(e)
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
  'The files of expired, deleted or orphaned exports, and the paths of failed or canceled ones a worker started: each attempt''s path before the export was staged, then its parts'', for at most max_objects exports, for the worker to delete through the Storage API.';

create or replace function exports._keep_orphaned_file() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Each attempt claimed may have stored a file, each slice a part.
  if old.attempt > 0 and old.purged_at is null then
    insert into exports.orphaned_files (export_id, storage_bucket, storage_paths)
    values (old.export_id, old.storage_bucket, exports._export_paths(old))
    on conflict (export_id) do nothing;
  end if;
  return null;
end
$$;

-- ============================================================================
-- unfinished uploads
-- ============================================================================

create function exports.uploads_to_abort(max_uploads int default 100)
returns table (export_id uuid, storage_bucket text, storage_path text, upload_state jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  (select e.export_id, e.storage_bucket, exports.part_path(e.export_id, c.part), c.upload_state
   from exports.export_checkpoints c
   join exports.exports e on e.export_id = c.export_id
   where c.upload_state is not null
     and (e.status in ('failed', 'canceled', 'expired') or e.deleted_at is not null)
   order by e.id
   limit max_uploads)
  union all
  (select a.export_id, a.storage_bucket, a.storage_path, a.upload_state
   from exports.abandoned_uploads a
   order by a.id
   limit max_uploads)
  limit max_uploads
$$;
comment on function exports.uploads_to_abort is
  'The unfinished uploads of exports that failed, were canceled or deleted, or started again from staging: for the worker to delete through Storage (TUS DELETE) and then pass to record_uploads_aborted; at most max_uploads.';

create function exports.record_uploads_aborted(export_ids uuid[]) returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  forgotten int;
  abandoned int;
begin
  update exports.export_checkpoints c set upload_state = null
  from exports.exports e
  where e.export_id = c.export_id and c.export_id = any (export_ids) and c.upload_state is not null
    and (e.status in ('failed', 'canceled', 'expired') or e.deleted_at is not null);
  get diagnostics forgotten = row_count;
  delete from exports.abandoned_uploads a where a.export_id = any (export_ids);
  get diagnostics abandoned = row_count;
  return forgotten + abandoned;
end
$$;
comment on function exports.record_uploads_aborted is
  'Forgets the unfinished uploads of these exports (see uploads_to_abort) once the worker deleted them; returns how many.';

-- ============================================================================
-- cleanup
-- ============================================================================

-- Drops the staged rows of exports that are no longer queued or processing,
-- and of exports deleted with their owner's account (the row and its
-- checkpoint are gone, the table is not); returns how many. A table being
-- staged is not seen before its transaction commits, and an export that
-- stages again still has its row, so no live staging is dropped.
create function exports._drop_finished_staging() returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  finished record;
  dropped int := 0;
begin
  for finished in
    select c.export_id from exports.export_checkpoints c
    join exports.exports e on e.export_id = c.export_id
    where c.staging_table is not null and (e.status not in ('queued', 'processing') or e.deleted_at is not null)
    for update of c
  loop
    execute pg_catalog.format('drop table if exists exports_staging.%I', finished.export_id);
    update exports.export_checkpoints c set staging_table = null where c.export_id = finished.export_id;
    dropped := dropped + 1;
  end loop;
  for finished in
    select t.relname from pg_catalog.pg_class t
    where t.relnamespace = 'exports_staging'::regnamespace and t.relkind = 'r'
      and not exists (
        select from exports.exports e
        where e.export_id = case when t.relname::text ~ '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$'
                                 then t.relname::text::uuid end)
  loop
    execute pg_catalog.format('drop table if exists exports_staging.%I', finished.relname);
    dropped := dropped + 1;
  end loop;
  return dropped;
end
$$;
comment on function exports._drop_finished_staging is
  'Drops the staged rows of exports that are no longer queued or processing, or were deleted with their owner.';

-- As before, plus: a staged export whose lease ran out counts a failure
-- without progress (at max_attempts it fails as slice_keeps_failing, or as
-- too_big_for_worker when written in one slice), the
-- staged rows of finished exports are dropped, and unfinished uploads are
-- counted.
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
  stuck_requeued bigint;
  stuck_failed bigint;
  dropped_staging int;
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
      and not exists (select from exports.export_checkpoints c where c.export_id = e.export_id and c.staging_table is not null)
    returning 1
  )
  select count(*) into requeued from stuck;
  with spent as (
    update exports.exports e set
      status = 'failed', next_run_at = now(), finished_at = now(), error_code = 'too_big_for_worker',
      error_message = exports._failure_message('too_big_for_worker', e.source, e.format, null),
      lease_owner = null, lease_expires_at = null
    where e.status = 'processing' and e.lease_expires_at < now() and e.attempt >= e.max_attempts
      and not exists (select from exports.export_checkpoints c where c.export_id = e.export_id and c.staging_table is not null)
    returning 1
  )
  select count(*) into failed from spent;

  -- A staged export's slice died: one more failure at its checkpoint. When
  -- they run out, an export of several slices stops at a row the user can
  -- leave out; one written in a single slice is too big for the worker.
  with counted as (
    update exports.export_checkpoints c set stuck_attempts = c.stuck_attempts + 1
    from exports.exports e
    where e.export_id = c.export_id and c.staging_table is not null
      and e.status = 'processing' and e.lease_expires_at < now()
    returning c.*
  ), moved as (
    update exports.exports e set
      status = case when k.stuck_attempts < e.max_attempts then 'queued' else 'failed' end,
      next_run_at = now(),
      finished_at = case when k.stuck_attempts < e.max_attempts then null else now() end,
      error_code = case when k.stuck_attempts < e.max_attempts then 'lease_expired'
                        when k.rows_per_slice < k.staged_rows then 'slice_keeps_failing'
                        else 'too_big_for_worker' end,
      error_message = case when k.stuck_attempts < e.max_attempts
                             then exports._failure_message('lease_expired', e.source, e.format, null)
                           when k.rows_per_slice < k.staged_rows
                             then exports._slice_failure_message(e, k::exports.export_checkpoints)
                           else exports._failure_message('too_big_for_worker', e.source, e.format, null) end,
      lease_owner = null, lease_expires_at = null
    from counted k
    where e.export_id = k.export_id
    returning e.status
  )
  select count(*) filter (where m.status = 'queued'), count(*) filter (where m.status = 'failed')
    into stuck_requeued, stuck_failed
  from moved m;
  requeued := requeued + stuck_requeued;
  failed := failed + stuck_failed;

  dropped_staging := exports._drop_finished_staging();

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
    'dropped_staging', dropped_staging,
    'files_to_purge', (select count(*) from exports.objects_to_purge(2147483647)),
    'uploads_to_abort', (select count(*) from exports.uploads_to_abort(2147483647)),
    'pruned_exports', pruned_exports, 'pruned_events', pruned_events, 'pruned_job_runs', coalesce(pruned_job_runs, 0),
    'warnings', found_warnings);
end
$$;

-- As before, and unfinished uploads to delete wake the worker too.
create or replace function exports.wake_worker() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  url text := (select s.worker_url from exports.settings s);
  token text;
begin
  if not exists (
    select from exports.exports e where e.status = 'queued' and e.deleted_at is null and e.next_run_at <= now()
  ) and not exists (select from exports.objects_to_purge(1)) and not exists (select from exports.uploads_to_abort(1)) then
    return;
  end if;
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

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._export_paths(exports.exports), exports.uploads_to_abort(int),
  exports.record_uploads_aborted(uuid[]), exports._drop_finished_staging()
  from public, anon, authenticated, service_role;
grant execute on function exports.uploads_to_abort(int), exports.record_uploads_aborted(uuid[]) to service_role;
