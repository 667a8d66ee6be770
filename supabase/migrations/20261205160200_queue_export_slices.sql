-- The queue of an export written in slices: a claim says whether the export
-- is staged and where it stands; each slice records its parts and its
-- checkpoint in one transaction and hands the export back to the queue; the
-- last one completes it. A staged export's claims do not use up its
-- attempts: only failures without progress do (stuck_attempts), and at
-- max_attempts it fails as slice_keeps_failing.

-- ============================================================================
-- functions
-- ============================================================================

-- As before, plus, for each export: whether its rows are staged (a staging
-- table that a crash of Postgres emptied is not), its checkpoint, the part
-- limit in force and whether its format is written in slices. A staged
-- export keeps its progress and its path: each slice is a claim.
create or replace function exports.claim_exports(worker_id text, max_exports int default 1, lease_seconds int default 120)
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
        started_at = coalesce(e.started_at, now()),
        rows_written = case when exists (select from exports.export_checkpoints c where c.export_id = e.export_id)
          then e.rows_written else 0 end,
        storage_path = case when exists (select from exports.export_checkpoints c where c.export_id = e.export_id)
          then e.storage_path
          else exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, e.attempt + 1, e.file_name) end
      -- An array, not a join: planned for a tenth of the queue, a join with
      -- the picked ids becomes a hash join over a sequential scan of the whole
      -- table. The array is an init plan, and `id = any (...)` is always a
      -- primary key lookup.
      where e.id = any (array(
        -- Priority first, then the owners' turns, the smaller export, the
        -- longest waiting: the order of exports_claim_idx, every key fixed
        -- when the export was queued, so this reads the index from its start
        -- and stops at the rows it takes. Skip locked rows so that concurrent
        -- workers each take different exports without waiting.
        select q.id from exports.exports q
        where q.status = 'queued' and q.deleted_at is null and q.next_run_at <= now()
        order by q.priority desc, q.queue_turn, q.rows_expected, q.next_run_at, q.id
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
           t.rows_expected, b.row_limit,
           k.staged, case when k.staged then to_jsonb(k) - 'staged' end,
           least(t.max_part_bytes, s.max_part_bytes, sb.file_size_limit, (select x.max_part_bytes from exports.settings x)),
           b.statement_kind = any (f.sliced_kinds)
    from taken t
    left join exports.request_claims c on c.export_id = t.export_id
    join exports.sources s on s.name = t.source
    join exports.formats f on f.name = t.format
    left join storage.buckets sb on sb.id = t.storage_bucket
    cross join lateral exports._build_statement(s, t.format, exports._source_options(t.options, t.scope_id),
      t.defuse_formulas) b
    left join lateral (
      select p.*, p.staging_table is not null and to_regclass(p.staging_table) is not null
          and (p.staged_rows = 0 or pg_catalog.pg_relation_size(to_regclass(p.staging_table)) > 0) as staged
      from exports.export_checkpoints p where p.export_id = t.export_id
    ) k on true
    -- The worker starts them in this order.
    order by t.priority desc, t.queue_turn, t.rows_expected, t.next_run_at, t.id
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
    claimed.staged := coalesce(claimed.staged, false);
    return next claimed;
  end loop;
end
$$;
comment on function exports.claim_exports is
  'Claims up to max_exports due exports for worker_id, by priority, then turns shared between owners, then the smaller export, then age, with a lease of lease_seconds: they become processing, attempt + 1. Each says whether it is staged (then its checkpoint), its part limit and whether its format is written in slices. Its transaction commits asynchronously (synchronous_commit off): call it on its own.';

-- The parts a slice finished, as the worker reports them.
create function exports._given_parts(export_id uuid, parts jsonb)
returns setof exports.export_parts
language plpgsql
stable
set search_path = ''
as $$
begin
  if jsonb_typeof(coalesce(parts, '[]')) <> 'array' or exists (
    select from jsonb_array_elements(coalesce(parts, '[]')) p(item)
    where jsonb_typeof(p.item) <> 'object'
      or not p.item ?& array['part', 'size', 'first_position', 'last_position', 'row_count', 'sha256']
  ) then
    raise exception 'parts must be an array of {part, storage_path?, size, first_position, last_position, row_count, sha256}'
      using errcode = 'invalid_parameter_value';
  end if;
  return query
    select _given_parts.export_id, g.part, coalesce(g.storage_path, exports.part_path(_given_parts.export_id, g.part)),
      g.size, g.first_position, g.last_position, g.row_count, g.sha256, now()
    from jsonb_to_recordset(coalesce(parts, '[]')) as g(part int, storage_path text, size bigint,
      first_position bigint, last_position bigint, row_count bigint, sha256 text)
    order by g.part;
end
$$;
comment on function exports._given_parts is
  'The parts of a record_slice or complete_sliced_export call as rows of exports.export_parts (storage_path defaults to exports.part_path).';

-- The checkpoint of a staged export that the claim (worker_id, attempt)
-- still holds, the export and the checkpoint locked: null when the export
-- is no longer this claim's (canceled, deleted, its lease lost).
create function exports._held_checkpoint(export_id uuid, worker_id text, attempt int)
returns exports.export_checkpoints
language plpgsql
set search_path = ''
as $$
declare
  checkpoint exports.export_checkpoints;
begin
  perform from exports.exports e
  where e.export_id = _held_checkpoint.export_id and e.status = 'processing'
    and e.lease_owner = _held_checkpoint.worker_id and e.attempt = _held_checkpoint.attempt and e.deleted_at is null
  for update;
  if not found then
    return null;
  end if;
  select * into checkpoint from exports.export_checkpoints c
  where c.export_id = _held_checkpoint.export_id and c.staging_table is not null
  for update;
  if not found then
    raise exception 'export % is not staged', export_id
      using errcode = 'object_not_in_prerequisite_state', hint = 'Stage it first with exports.stage_export.';
  end if;
  return checkpoint;
end
$$;
comment on function exports._held_checkpoint is
  'Locks a staged export and its checkpoint for the claim (worker_id, attempt) that holds it; null when the claim no longer does.';

-- One transaction: the slice's finished parts, its new checkpoint, its
-- progress, and the export back in the queue, in a turn after the exports
-- waiting at its priority (a long export takes turns with the others).
create function exports.record_slice(
  export_id uuid, worker_id text, attempt int, checkpoint jsonb, parts jsonb default '[]'
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  held exports.export_checkpoints := exports._held_checkpoint(export_id, worker_id, attempt);
  moved_to bigint := (checkpoint ->> 'next_position')::bigint;
  added int;
  turn bigint;
begin
  if held.export_id is null then
    return false;
  end if;
  if jsonb_typeof(checkpoint) is distinct from 'object' or not checkpoint ?& array['next_position', 'part', 'part_first_position']
     or moved_to is null or moved_to <= held.next_position or moved_to > held.staged_rows + 1
     or (checkpoint ->> 'part')::int < held.part then
    raise exception 'a slice''s checkpoint is {next_position, part, part_first_position, writer_state, upload_state}, '
      'its next_position past % and at most %, its part % or later; got %', held.next_position,
      held.staged_rows + 1, held.part, checkpoint
      using errcode = 'invalid_parameter_value';
  end if;
  insert into exports.export_parts select * from exports._given_parts(record_slice.export_id, record_slice.parts);
  get diagnostics added = row_count;
  update exports.export_checkpoints c set
    next_position = moved_to, part = (checkpoint ->> 'part')::int,
    part_first_position = (checkpoint ->> 'part_first_position')::bigint,
    writer_state = nullif(checkpoint -> 'writer_state', 'null'), upload_state = nullif(checkpoint -> 'upload_state', 'null'),
    slices_done = c.slices_done + 1, stuck_attempts = 0, updated_at = now()
  where c.export_id = record_slice.export_id;

  select q.queue_turn into turn from exports.exports q
  where q.status = 'queued' and q.deleted_at is null
    and q.priority = (select e.priority from exports.exports e where e.export_id = record_slice.export_id)
  order by q.priority desc, q.queue_turn
  limit 1;
  update exports.exports e set
    status = 'queued', next_run_at = now(), lease_owner = null, lease_expires_at = null,
    error_code = null, error_message = null, rows_written = moved_to - 1, parts = e.parts + added,
    queue_turn = greatest(coalesce(turn, e.queue_turn), e.queue_turn + 1)
  where e.export_id = record_slice.export_id;
  -- Delivered at commit, as a request's: a worker takes the next slice.
  perform pg_notify('exports_wake', export_id::text);
  return true;
end
$$;
comment on function exports.record_slice is
  'Records a slice of a staged export in one transaction: the parts it finished ([{part, storage_path?, size, first_position, last_position, row_count, sha256}]), its checkpoint ({next_position, part, part_first_position, writer_state, upload_state}) and progress, and hands the export back to the queue. False: stop, nothing recorded (canceled, deleted, or the claim (worker_id, attempt) lost its lease).';

-- The last slice: its parts, then the completion, through complete_exports
-- (the storage quota included). The checksum of several parts is the sha256
-- of the manifest, a line `<part>\t<size>\t<sha256>\n` per part in order.
create function exports.complete_sliced_export(export_id uuid, worker_id text, attempt int, parts jsonb default '[]')
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  held exports.export_checkpoints := exports._held_checkpoint(export_id, worker_id, attempt);
  stored record;
  completed boolean;
begin
  if held.export_id is null then
    return false;
  end if;
  insert into exports.export_parts
  select * from exports._given_parts(complete_sliced_export.export_id, complete_sliced_export.parts);
  select count(*) as parts, max(p.part) as last_part, sum(p.size)::bigint as size, sum(p.row_count) as rows,
      case when count(*) = 1 then min(p.sha256)
        else encode(sha256(convert_to(string_agg(pg_catalog.format(E'%s\t%s\t%s\n', p.part, p.size, p.sha256), ''
          order by p.part), 'UTF8')), 'hex') end as sha256,
      min(p.storage_path) filter (where p.part = 1) as first_path
    into stored
  from exports.export_parts p
  where p.export_id = complete_sliced_export.export_id;
  if stored.parts = 0 or stored.parts <> stored.last_part or stored.rows <> held.staged_rows then
    raise exception 'the parts of export % must be numbered from 1 without a gap and hold its % staged rows; they are % parts of % rows',
      export_id, held.staged_rows, stored.parts, coalesce(stored.rows, 0)
      using errcode = 'invalid_parameter_value';
  end if;

  if to_regclass(held.staging_table) is not null then
    execute pg_catalog.format('drop table exports_staging.%I', held.export_id);
  end if;
  update exports.export_checkpoints c set
    staging_table = null, next_position = c.staged_rows + 1, writer_state = null, upload_state = null,
    slices_done = c.slices_done + 1, stuck_attempts = 0, updated_at = now()
  where c.export_id = complete_sliced_export.export_id;
  update exports.exports e set storage_path = stored.first_path, parts = stored.parts
  where e.export_id = complete_sliced_export.export_id;
  select c.completed into completed
  from exports.complete_exports(worker_id, jsonb_build_array(jsonb_build_object(
    'export_id', complete_sliced_export.export_id, 'file_size', stored.size, 'checksum_sha256', stored.sha256,
    'row_count', held.staged_rows, 'attempt', complete_sliced_export.attempt))) c;
  return completed;
end
$$;
comment on function exports.complete_sliced_export is
  'Records the last parts of a staged export and completes it: file_size the sum of its parts, row_count its staged rows, checksum_sha256 the one part''s sha256 or the sha256 of its manifest (a line <part>\t<size>\t<sha256>\n per part), storage_path part 1''s; drops its staged rows. False: the claim no longer holds it, or the storage quota failed it. Commits asynchronously, like complete_exports.';

-- The words of a staged export that kept failing at one checkpoint.
create function exports._slice_failure_message(e exports.exports, checkpoint exports.export_checkpoints) returns text
language sql
stable
begin atomic
  select replace(replace(replace(f.message,
      '{position}', to_char(checkpoint.next_position, 'FM999,999,999,999,999,999,999')),
      '{rows}', to_char(checkpoint.staged_rows, 'FM999,999,999,999,999,999,999')),
      '{or_csv}', case when exports._csv_would_help(s, e.format) then ' or choose CSV' else '' end)
  from exports.failure_codes f
  left join exports.sources s on s.name = e.source
  where f.code = 'slice_keeps_failing';
end;
comment on function exports._slice_failure_message is
  'The message of a staged export that failed as slice_keeps_failing: the row it stopped at, of its staged rows.';

-- As before for an export not yet staged. A staged one's failure counts
-- against its attempts only while it makes no progress: a retryable failure
-- queues it again until stuck_attempts reaches max_attempts, when it fails,
-- as slice_keeps_failing where its writer kept failing at one checkpoint of
-- several.
create or replace function exports.fail_export(
  export_id uuid, worker_id text, error_code text, attempt int default null, row_limit bigint default null
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  checkpoint exports.export_checkpoints;
  retryable boolean := (select f.retryable from exports.failure_codes f where f.code = fail_export.error_code);
begin
  select * into target from exports.exports e
  where e.export_id = fail_export.export_id
  for update;
  if not found or target.status <> 'processing' or target.lease_owner is distinct from worker_id
     or target.attempt is distinct from coalesce(fail_export.attempt, target.attempt) then
    return target.status;
  end if;
  select * into checkpoint from exports.export_checkpoints c
  where c.export_id = fail_export.export_id and c.staging_table is not null
  for update;
  if not found then
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
  end if;

  update exports.export_checkpoints c set stuck_attempts = c.stuck_attempts + 1
  where c.export_id = fail_export.export_id
  returning * into checkpoint;
  -- A writer that keeps failing at one checkpoint of an export of several
  -- slices most likely meets a row it cannot write: the user can leave it out.
  -- Any other failure keeps its own code and message (Storage being down
  -- says to try later; an export of one slice has no row to point at).
  if retryable and checkpoint.stuck_attempts >= target.max_attempts and fail_export.error_code = 'worker_error'
     and checkpoint.rows_per_slice < checkpoint.staged_rows then
    update exports.exports e set
      status = 'failed', finished_at = now(), error_code = 'slice_keeps_failing',
      error_message = exports._slice_failure_message(e, checkpoint), lease_owner = null, lease_expires_at = null
    where e.id = target.id
    returning * into target;
    return target.status;
  end if;
  update exports.exports e set
    status = case when retryable and checkpoint.stuck_attempts < e.max_attempts then 'queued' else 'failed' end,
    next_run_at = case when retryable and checkpoint.stuck_attempts < e.max_attempts
                       then now() + exports.retry_delay(checkpoint.stuck_attempts) else e.next_run_at end,
    finished_at = case when retryable and checkpoint.stuck_attempts < e.max_attempts then null else now() end,
    error_code = fail_export.error_code,
    error_message = exports._failure_message(fail_export.error_code, e.source, e.format, fail_export.row_limit),
    lease_owner = null, lease_expires_at = null
  where e.id = target.id
  returning * into target;
  return target.status;
end
$$;
comment on function exports.fail_export is
  'Records a failed attempt with a code of exports.failure_codes (and, for too_many_rows, the row limit): queued again after a backoff while attempts remain and the code is retryable, else failed for good. A staged export''s attempts are its failures since its checkpoint last moved; when they run out on worker_error in an export of several slices, it fails as slice_keeps_failing. Returns the new status.';

-- ============================================================================
-- triggers
-- ============================================================================

-- Whether an update of an export is a step between two slices rather than
-- a step of its lifecycle: a slice handing the export back to the queue (no
-- error), or the claim of the next slice (after such a hand-back).
create function exports._is_slice_step(o exports.exports, n exports.exports) returns boolean
language sql
immutable
parallel safe
begin atomic
  select (o.status = 'processing' and n.status = 'queued' and n.error_code is null)
      or (o.status = 'queued' and n.status = 'processing' and o.error_code is null and o.started_at is not null);
end;
comment on function exports._is_slice_step is
  'Whether an update of an export hands it back between slices, or claims its next slice: progress, not a step of its lifecycle.';

-- As before, but the steps between slices are not logged: the export was
-- started once and is not retried.
create or replace function exports._record_events() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  actor_id uuid := auth.uid();
  actor_role text := coalesce(auth.role(), 'system');
begin
  if tg_op = 'INSERT' then
    insert into exports.export_events (export_id, owner_id, scope_id, event, actor_id, actor_role, detail)
    select n.export_id, n.owner_id, n.scope_id, 'requested', actor_id, actor_role,
           jsonb_build_object('source', n.source, 'format', n.format, 'rows_expected', n.rows_expected)
    from new_rows n
    order by n.id;
    return null;
  end if;

  -- One update can make several events of one export (a completion that is
  -- also downloaded, say): they are logged in this order.
  insert into exports.export_events (export_id, owner_id, scope_id, event, actor_id, actor_role, detail)
  select n.export_id, n.owner_id, n.scope_id, e.event, actor_id, actor_role, e.detail
  from new_rows n
  join old_rows o on o.id = n.id
  cross join lateral (values
    (1, case when n.status is distinct from o.status and not exports._is_slice_step(o, n) then
          case n.status when 'processing' then 'started' when 'queued' then 'retried' else n.status end
        end,
        jsonb_strip_nulls(jsonb_build_object(
          'attempt', n.attempt,
          'error_code', n.error_code,
          'row_count', case when n.status = 'completed' then n.row_count end,
          'file_size', case when n.status = 'completed' then n.file_size end,
          'parts', case when n.status = 'completed' and n.parts > 1 then n.parts end,
          'next_run_at', case when n.status = 'queued' then n.next_run_at end))),
    (2, case when n.download_count > o.download_count then 'downloaded' end,
        jsonb_build_object('download_count', n.download_count)),
    (3, case when n.deleted_at is not null and o.deleted_at is null then 'deleted' end, '{}'::jsonb),
    (4, case when n.purged_at is not null and o.purged_at is null then 'purged' end, '{}'::jsonb)
  ) e(step, event, detail)
  where e.event is not null
  order by n.id, e.step;
  return null;
end
$$;

-- As before, but a slice handing the export back is progress (at most once a
-- second, as heartbeats' is, and always for the first slice: slices quicker
-- than a second still say how far the export got), and the claim of its next
-- slice says nothing.
create or replace function exports._broadcast_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  begin
    -- Each message's id is drawn in the subquery's select list, once a row
    -- (a volatile function keeps the subquery from being folded into the
    -- insert), and used twice: as the row's id and the payload's.
    if tg_op = 'INSERT' then
      insert into realtime.messages (id, topic, extension, event, payload, private)
      select m.id, m.topic, 'broadcast', 'requested', jsonb_build_object('export', m.export, 'id', m.id), true
      from (
        select gen_random_uuid() as id, exports._broadcast_topic(n.owner_id, n.scope_id) as topic,
          to_jsonb(exports._summary(n)) as export, n.id as n
        from new_rows n
      ) m
      order by m.n;
    else
      insert into realtime.messages (id, topic, extension, event, payload, private)
      select m.id, m.topic, 'broadcast', m.event, jsonb_build_object('export', m.export, 'id', m.id), true
      from (
        select gen_random_uuid() as id, exports._broadcast_topic(n.owner_id, n.scope_id) as topic,
          e.event, to_jsonb(exports._summary(n)) as export, n.id as n, e.step
        from new_rows n
        join old_rows o on o.id = n.id
        cross join lateral (select exports._is_slice_step(o, n) as between_slices) s
        cross join lateral (values
          (1, case
                when n.status is distinct from o.status and not s.between_slices then
                  case n.status when 'processing' then 'started' when 'queued' then 'retried' else n.status end
                when (n.status = 'processing' or (s.between_slices and n.status = 'queued'))
                  and n.rows_written is distinct from o.rows_written
                  and (floor(extract(epoch from n.updated_at)) <> floor(extract(epoch from o.updated_at))
                    or (s.between_slices and coalesce(o.rows_written, 0) = 0)) then 'progress'
              end),
          (2, case when n.deleted_at is not null and o.deleted_at is null then 'deleted' end)
        ) e(step, event)
        where e.event is not null
      ) m
      order by m.n, m.step;
    end if;
  exception
    when others then
      raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
  return null;
end
$$;

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._given_parts(uuid, jsonb), exports._held_checkpoint(uuid, text, int),
  exports.record_slice(uuid, text, int, jsonb, jsonb), exports.complete_sliced_export(uuid, text, int, jsonb),
  exports._slice_failure_message(exports.exports, exports.export_checkpoints),
  exports._is_slice_step(exports.exports, exports.exports)
  from public, anon, authenticated, service_role;
grant execute on function exports.record_slice(uuid, text, int, jsonb, jsonb),
  exports.complete_sliced_export(uuid, text, int, jsonb)
  to service_role;
