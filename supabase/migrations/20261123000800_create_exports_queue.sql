-- The worker's side of the queue: claim, heartbeat, complete and fail, with
-- leases and retries. Granted to service_role only (see ARCHITECTURE.md).
-- The functions a worker calls for every export are PL/pgSQL, which keeps
-- their statements' plans for the session; SQL functions plan on every call.

-- ============================================================================
-- types
-- ============================================================================

create type exports.claimed_export as (
  export_id uuid,
  attempt int,
  source text,
  format text,
  options jsonb,
  compression text,
  claims jsonb,
  statement text,
  statement_kind text,
  file_name text,
  content_type text,
  storage_bucket text,
  storage_path text,
  rows_expected bigint,
  row_limit bigint
);
comment on type exports.claimed_export is
  'Everything the worker needs to run one claimed export: the user''s claims, the statement to run as them, where the file goes, and the most rows the file may hold (null: no limit).';

-- ============================================================================
-- functions
-- ============================================================================

-- How long a failed attempt waits: exponential in the attempt number, capped,
-- plus up to retry_jitter_ratio of itself at random.
create function exports.retry_delay(attempt int) returns interval
language sql
volatile
set search_path = ''
as $$
  select d * (1 + random() * s.retry_jitter_ratio)
  from exports.settings s,
       lateral (select least(s.retry_max_delay, s.retry_base_delay * power(2, greatest(attempt, 1) - 1)) as d) base
$$;
comment on function exports.retry_delay is
  'The backoff before retry number `attempt`: base * 2^(attempt-1), capped at retry_max_delay, plus up to retry_jitter_ratio of it.';

-- The words a failed export's user reads: its code's message in
-- exports.failure_codes, filled in for the export (row_limit: the one the
-- worker enforced, else the export's own). CSV is suggested where it would
-- hold the rows, as request_export's hint does.
create function exports._failure_message(code text, source text, format text, row_limit bigint) returns text
language sql
stable
begin atomic
  select replace(replace(replace(f.message,
      '{source}', coalesce(_failure_message.source, '')),
      '{row_limit}', coalesce(to_char(coalesce(_failure_message.row_limit, exports._row_limit(s, _failure_message.format)),
        'FM999,999,999,999,999,999,999'), '')),
      '{or_csv}', case when exports._csv_would_help(s, _failure_message.format) then ' or choose CSV' else '' end)
  from exports.failure_codes f
  left join exports.sources s on s.name = _failure_message.source
  where f.code = _failure_message.code;
end;
comment on function exports._failure_message is
  'The message a failed export''s user reads for a failure code, filled in with its source and row limit.';

-- plan_cache_mode: PL/pgSQL plans the claim once per session, but with
-- `limit max_exports` a parameter the plan cache keeps choosing a custom plan
-- (a generic plan's cost assumes a tenth of the queue), so every call would
-- plan the claim again, a large share of its cost. The generic plan must then
-- be right for any limit: see the array in the claim below.
create function exports.claim_exports(worker_id text, max_exports int default 1, lease_seconds int default 120)
returns setof exports.claimed_export
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  claimed exports.claimed_export;
begin
  if max_exports not between 1 and 100 or lease_seconds not between 10 and 3600 then
    raise exception 'max_exports must be 1-100 and lease_seconds 10-3600; got % and %', max_exports, lease_seconds
      using errcode = 'invalid_parameter_value';
  end if;
  -- The claim's commit does not wait for its WAL to reach the disk, the
  -- largest fixed cost of a small claim. Losing a claim in a crash is harmless: its exports are queued again when Postgres
  -- comes back, and the worker that was running them finds its heartbeat and
  -- completion refused (the lease is gone) and removes the file.
  perform set_config('synchronous_commit', 'off', true);
  -- One statement claims the exports and builds what the worker needs for
  -- each: a query per claimed export would cost more than the claim itself.
  for claimed in
    with taken as (
      update exports.exports e set
        status = 'processing', attempt = e.attempt + 1, lease_owner = worker_id,
        lease_expires_at = now() + make_interval(secs => lease_seconds),
        started_at = coalesce(e.started_at, now()), rows_written = 0,
        storage_path = exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, e.attempt + 1, e.file_name)
      -- An array, not a join: planned for a tenth of the queue, a join with
      -- the picked ids becomes a hash join over a sequential scan of the whole
      -- table. The array is an init plan, and `id = any (...)` is always a
      -- primary key lookup.
      where e.id = any (array(
        -- Priority first, then the longest waiting; skip locked rows so that
        -- concurrent workers each take different exports without waiting.
        select q.id from exports.exports q
        where q.status = 'queued' and q.deleted_at is null and q.next_run_at <= now()
        order by q.priority desc, q.next_run_at, q.id
        limit max_exports
        for update skip locked))
      returning e.*
    )
    select t.export_id, t.attempt, t.source, t.format, t.options, t.compression,
           -- The claims of the request (exports.request_claims), so RLS sees
           -- the same auth.uid() and auth.jwt() during the export as when the
           -- user asked. Whatever they hold (an export queued by other means
           -- has none), it runs as its owner and as authenticated, the role
           -- the worker sets.
           coalesce(c.claims, '{}') || jsonb_build_object('sub', t.owner_id, 'role', 'authenticated'),
           b.statement, b.statement_kind, t.file_name, t.content_type, t.storage_bucket, t.storage_path,
           t.rows_expected, b.row_limit
    from taken t
    left join exports.request_claims c on c.export_id = t.export_id
    join exports.sources s on s.name = t.source
    cross join lateral exports._build_statement(s, t.format, exports._source_options(t.options, t.scope_id),
      t.defuse_formulas) b
    -- The worker starts them in this order.
    order by t.priority desc, t.next_run_at, t.id
  loop
    -- A source whose function was dropped or changed fails its own exports
    -- for good instead of making every claim fail.
    if claimed.statement is null then
      update exports.exports e set status = 'failed', finished_at = now(), lease_owner = null,
        lease_expires_at = null, error_code = 'invalid_source',
        -- The message is for the user; error_code tells the app's developers
        -- to register the source again (see ARCHITECTURE.md).
        error_message = exports._failure_message('invalid_source', claimed.source, claimed.format, null)
      where e.export_id = claimed.export_id;
      continue;
    end if;
    return next claimed;
  end loop;
end
$$;
comment on function exports.claim_exports is
  'Claims up to max_exports due exports for worker_id with a lease of lease_seconds: they become processing, attempt + 1. Its transaction commits asynchronously (synchronous_commit off): call it on its own.';

-- `attempt`, where given, ties a call to one claim: a worker instance whose
-- lease ran out while its run went on may claim the same export again, and
-- the old run must then be refused as another worker would be (its worker id
-- alone would still match).
create function exports.heartbeat(
  export_id uuid, worker_id text, rows_written bigint default null, lease_seconds int default 120,
  attempt int default null
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update exports.exports e set
    lease_expires_at = now() + make_interval(secs => heartbeat.lease_seconds),
    rows_written = coalesce(heartbeat.rows_written, e.rows_written)
  where e.export_id = heartbeat.export_id and e.status = 'processing'
    and e.lease_owner = heartbeat.worker_id and e.deleted_at is null
    and (heartbeat.attempt is null or e.attempt = heartbeat.attempt);
  return found;
end
$$;
comment on function exports.heartbeat is
  'Extends the lease and records progress; false means stop: the export was canceled or deleted, or the lease was lost (to another worker, or, given attempt, to a later claim).';

-- Several exports at once: a worker that runs exports side by side sends the
-- ones that finished together in one call, one statement and one commit.
create function exports.complete_exports(worker_id text, completions jsonb)
returns table (export_id uuid, completed boolean)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if jsonb_typeof(completions) is distinct from 'array' or exists (
    select from jsonb_array_elements(completions) c(item)
    where jsonb_typeof(c.item) <> 'object' or not c.item ?& array['export_id', 'file_size', 'checksum_sha256', 'row_count']
  ) then
    raise exception 'completions must be an array of {export_id, file_size, checksum_sha256, row_count}'
      using errcode = 'invalid_parameter_value';
  end if;
  -- Nor does a completion's commit wait for the flush. A completion lost in a
  -- crash is work done again, not data lost: the export is still processing
  -- under the old lease, and when the lease runs out the cleanup treats it as
  -- a worker that died (queued again, and the next attempt writes a path of
  -- its own; or, after the last attempt, failed, and its paths purged). No
  -- user can have been handed the file: a link is given only after record_export_download
  -- commits, and its synchronous commit flushes all the WAL before it.
  perform set_config('synchronous_commit', 'off', true);
  return query
  with given as (
    select * from jsonb_to_recordset(completions)
      as c(export_id uuid, file_size bigint, checksum_sha256 text, row_count bigint, attempt int)
  ), done as (
    update exports.exports e set
      status = 'completed', file_size = g.file_size, checksum_sha256 = g.checksum_sha256,
      row_count = g.row_count, rows_written = g.row_count, finished_at = now(),
      expires_at = now() + (select s.file_retention from exports.settings s),
      lease_owner = null, lease_expires_at = null, error_code = null, error_message = null
    from given g
    where e.export_id = g.export_id and e.status = 'processing'
      and e.lease_owner = complete_exports.worker_id and e.deleted_at is null
      and (g.attempt is null or e.attempt = g.attempt)
    returning e.export_id
  )
  select g.export_id, exists (select from done d where d.export_id = g.export_id) from given g;
end
$$;
comment on function exports.complete_exports is
  'complete_export for several exports in one call: completions is [{export_id, file_size, checksum_sha256, row_count, attempt?}] (attempt: refused unless the export is still on that claim, see heartbeat); returns each export_id with whether it was completed. Its transaction commits asynchronously (synchronous_commit off): call it on its own.';

create function exports.complete_export(
  export_id uuid, worker_id text, file_size bigint, checksum_sha256 text, row_count bigint
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  return (select c.completed from exports.complete_exports(worker_id, jsonb_build_array(jsonb_build_object(
    'export_id', export_id, 'file_size', file_size, 'checksum_sha256', checksum_sha256, 'row_count', row_count))) c);
end
$$;
comment on function exports.complete_export is
  'Records the stored file of a processing export held by worker_id; false (and no change) when it was canceled or the lease was lost, and the worker must remove the file. Commits asynchronously, like complete_exports.';

-- The worker sends only the code (and the row limit it enforced): the
-- message and whether the export is retried come from exports.failure_codes,
-- whose foreign key refuses a code it does not list.
create function exports.fail_export(
  export_id uuid, worker_id text, error_code text, attempt int default null, row_limit bigint default null
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  retryable boolean := (select f.retryable from exports.failure_codes f where f.code = fail_export.error_code);
begin
  select * into target from exports.exports e
  where e.export_id = fail_export.export_id
  for update;
  if not found or target.status <> 'processing' or target.lease_owner is distinct from worker_id
     or target.attempt is distinct from coalesce(fail_export.attempt, target.attempt) then
    return target.status;
  end if;
  update exports.exports e set
    status = case when retryable and e.attempt < e.max_attempts then 'queued' else 'failed' end,
    next_run_at = case when retryable and e.attempt < e.max_attempts
                       then now() + exports.retry_delay(e.attempt) else e.next_run_at end,
    finished_at = case when retryable and e.attempt < e.max_attempts then null else now() end,
    error_code = fail_export.error_code,
    error_message = exports._failure_message(fail_export.error_code, e.source, e.format, fail_export.row_limit),
    lease_owner = null, lease_expires_at = null
  where e.id = target.id
  returning * into target;
  return target.status;
end
$$;
comment on function exports.fail_export is
  'Records a failed attempt with a code of exports.failure_codes (and, for too_many_rows, the row limit): queued again after a backoff while attempts remain and the code is retryable, else failed for good. Returns the new status.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports.retry_delay(int), exports._failure_message(text, text, text, bigint),
  exports.claim_exports(text, int, int), exports.heartbeat(uuid, text, bigint, int, int),
  exports.complete_export(uuid, text, bigint, text, bigint), exports.complete_exports(text, jsonb),
  exports.fail_export(uuid, text, text, int, bigint)
  from public, anon, authenticated;
grant execute on function exports.claim_exports(text, int, int), exports.heartbeat(uuid, text, bigint, int, int),
  exports.complete_export(uuid, text, bigint, text, bigint), exports.complete_exports(text, jsonb),
  exports.fail_export(uuid, text, text, int, bigint)
  to service_role;
