-- A fair queue with priorities, and a per-user storage quota. Claims take
-- the highest priority first, then turns shared out between owners (one
-- user's backlog cannot starve the others), then the smaller export; a
-- source declares its exports' default priority and only the service role
-- changes one. A user holds at most settings.storage_quota_bytes of
-- completed files: a request that cannot fit is refused, and a completion
-- that does not fit fails.

-- ============================================================================
-- tables
-- ============================================================================

-- small_export_rows: a request counts rows, as the user, up to one past it,
-- so that an export known to be small can go ahead of a larger one; 0 counts
-- none (where a source's rows function must sort all of a user's rows before
-- its first one, even a short count costs that sort).
-- storage_quota_bytes: the bytes of completed, undeleted exports each user
-- may hold, unless exports.usage.storage_quota_bytes gives them their own.
alter table exports.settings
  add column small_export_rows int not null default 1000 check (small_export_rows between 0 and 1000000),
  add column storage_quota_bytes bigint not null default 1073741824 check (storage_quota_bytes > 0);
comment on column exports.settings.small_export_rows is
  'A request counts rows up to one past this many: an export with no more is small, and goes ahead of larger ones in its turn. 0: requests count rows only to check a row limit.';
comment on column exports.settings.storage_quota_bytes is
  'The bytes of completed, undeleted exports a user may hold (files they requested, scope exports included), unless exports.usage.storage_quota_bytes sets their own.';

-- A low estimate: a request is refused only when its file would not fit
-- even at this size; the completion checks the real one.
alter table exports.formats
  add column bytes_per_row int not null default 20 check (bytes_per_row > 0);
comment on column exports.formats.bytes_per_row is
  'A low estimate of the bytes a row takes in a file of the format (a tenth of it gzipped), for the storage quota''s check at request time.';
update exports.formats f set bytes_per_row = v.bytes
from (values ('csv', 30), ('json', 50), ('jsonl', 50), ('markdown', 40), ('html', 60), ('xlsx', 20), ('pdf', 40))
  as v(name, bytes)
where f.name = v.name;

alter table exports.sources
  add column default_priority smallint not null default 0;
comment on column exports.sources.default_priority is
  'The priority its exports are queued with (higher is claimed first); the service role changes an export''s with public.set_export_priority.';

-- queue_turn: the owner's turn in the fair queue, set when the export is
-- requested (see exports._enqueue_export): each owner's exports take turns
-- one after the other, from the turn the queue has reached.
alter table exports.exports
  add column queue_turn bigint not null default 0;
comment on column exports.exports.queue_turn is
  'The export''s turn among the queued exports of its priority: an owner''s exports take successive turns, starting from the turn the queue has reached.';

-- The claim's order, with its whole filter: priority, turn, the smaller
-- export (counted rows; null, more than small_export_rows, last), then age.
-- Every key is fixed when the export is queued, so the claim stays one scan
-- of this index that stops at the rows it takes.
drop index exports.exports_claim_idx;
create index exports_claim_idx on exports.exports (priority desc, queue_turn, rows_expected, next_run_at, id)
  where status = 'queued' and deleted_at is null;

-- stored_bytes: the bytes of the owner's completed, undeleted exports,
-- kept by exports._track_usage so that a request and a completion read one
-- row instead of summing the owner's files. storage_quota_bytes: the user's
-- own quota, where the app gives them one (a paid plan), else null for the
-- default; the same row, which requests and completions lock anyway.
-- last_queue_turn: the turn of the owner's latest request.
alter table exports.usage
  add column stored_bytes bigint not null default 0 check (stored_bytes >= 0),
  add column storage_quota_bytes bigint check (storage_quota_bytes > 0),
  add column last_queue_turn bigint not null default 0;
comment on column exports.usage.stored_bytes is
  'The bytes of the user''s completed, undeleted exports, which the storage quota bounds.';
comment on column exports.usage.storage_quota_bytes is
  'The user''s own storage quota in bytes; null: exports.settings.storage_quota_bytes.';
comment on column exports.usage.last_queue_turn is
  'The queue turn of the user''s latest request (see exports.exports.queue_turn).';

update exports.usage u set stored_bytes = s.bytes
from (
  select e.owner_id, sum(e.file_size) as bytes from exports.exports e
  where e.status = 'completed' and e.deleted_at is null
  group by e.owner_id
) s
where u.user_id = s.owner_id;

insert into exports.error_codes (sqlstate, name, http_status, description) values
  ('EX013', 'storage_quota_exceeded', 403,
   'The caller''s completed exports leave too little of their storage quota for this one.');

insert into exports.failure_codes (code, message, retryable, recorded_by, description) values
  ('storage_quota_exceeded',
   'This export''s file ({file_size}) does not fit in your storage quota of {quota}: your completed exports '
   'take {stored}. Delete exports you no longer need (DELETE /exports/{id} in the exports API, or the '
   'delete_export RPC) and request it again.',
   false, 'database', 'The file would take its owner''s completed exports past the storage quota (exports.complete_exports).');

-- ============================================================================
-- triggers
-- ============================================================================

-- What one export takes of its owner's storage quota.
create function exports._stored_bytes(status text, deleted_at timestamptz, file_size bigint) returns bigint
language sql
immutable
parallel safe
begin atomic
  select case when status = 'completed' and deleted_at is null then coalesce(file_size, 0) else 0 end;
end;
comment on function exports._stored_bytes is
  'The bytes an export takes of its owner''s storage quota: its file''s, while it is completed and not deleted.';

-- As before, plus stored_bytes: an export's file counts from its completion
-- until it expires or is deleted.
create or replace function exports._track_usage() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  downloader uuid := auth.uid();
  moved_users uuid[];
begin
  -- Counters are written in user order: two workers completing exports of
  -- the same users at once would otherwise lock them in opposite orders and
  -- deadlock. An insert's rows are processed in the order they are selected.
  if tg_op = 'INSERT' then
    -- Requests insert queued exports; an export inserted completed (a
    -- restored backup, a benchmark's seed) takes its bytes from the start.
    insert into exports.usage as u (user_id, active_exports, exports_requested, last_requested_at, stored_bytes)
    select n.owner_id, count(*) filter (where n.status in ('queued', 'processing')), count(*), max(n.requested_at),
      coalesce(sum(exports._stored_bytes(n.status, n.deleted_at, n.file_size)), 0)
    from new_rows n
    group by n.owner_id
    order by n.owner_id
    on conflict (user_id) do update set
      active_exports = u.active_exports + excluded.active_exports,
      exports_requested = u.exports_requested + excluded.exports_requested,
      last_requested_at = excluded.last_requested_at,
      stored_bytes = u.stored_bytes + excluded.stored_bytes;
    return null;
  end if;

  -- A downloader who never requested an export has no figures yet.
  if downloader is not null and exists (
    select from new_rows n join old_rows o on o.id = n.id where n.download_count > o.download_count
  ) then
    insert into exports.usage (user_id) values (downloader) on conflict (user_id) do nothing;
  end if;

  -- An update has no order of its own: lock the counters in user order first,
  -- and only those of users whose figures move; the update below writes no
  -- other (a statement that requeues some exports and fails others must not
  -- take the requeued users' rows out of order).
  select array_agg(l.user_id) into moved_users
  from (
    select u.user_id from exports.usage u
    where u.user_id in (
      select n.owner_id from new_rows n join old_rows o on o.id = n.id
      where (n.status in ('queued', 'processing')) <> (o.status in ('queued', 'processing'))
         or exports._stored_bytes(n.status, n.deleted_at, n.file_size)
            <> exports._stored_bytes(o.status, o.deleted_at, o.file_size)
      union all
      select coalesce(downloader, n.owner_id) from new_rows n join old_rows o on o.id = n.id
      where n.download_count <> o.download_count)
    order by u.user_id
    for no key update
  ) l;
  if moved_users is null then
    return null;
  end if;

  update exports.usage as u set
    active_exports = u.active_exports + c.active_change,
    exports_completed = u.exports_completed + c.completed,
    bytes_exported = u.bytes_exported + c.bytes,
    rows_exported = u.rows_exported + c.rows,
    stored_bytes = u.stored_bytes + c.stored_change,
    last_export_at = case when c.completed > 0 then now() else u.last_export_at end,
    downloads = u.downloads + c.downloads
  from (
    select m.user_id, sum(m.active_change) as active_change, sum(m.completed) as completed,
      sum(m.bytes) as bytes, sum(m.rows) as rows, sum(m.stored_change) as stored_change,
      sum(m.downloads) as downloads
    from new_rows n
    join old_rows o on o.id = n.id
    cross join lateral (values
      (n.owner_id,
        (n.status in ('queued', 'processing'))::int - (o.status in ('queued', 'processing'))::int,
        (n.status = 'completed' and o.status <> 'completed')::int,
        case when n.status = 'completed' and o.status <> 'completed' then coalesce(n.file_size, 0) else 0 end,
        case when n.status = 'completed' and o.status <> 'completed' then coalesce(n.row_count, 0) else 0 end,
        exports._stored_bytes(n.status, n.deleted_at, n.file_size)
          - exports._stored_bytes(o.status, o.deleted_at, o.file_size),
        0),
      (coalesce(downloader, n.owner_id), 0, 0, 0, 0, 0, greatest(n.download_count - o.download_count, 0))
    ) m(user_id, active_change, completed, bytes, rows, stored_change, downloads)
    where m.user_id = any (moved_users)
    group by m.user_id
  ) c
  where u.user_id = c.user_id;
  return null;
end
$$;

-- ============================================================================
-- functions
-- ============================================================================

-- A user's storage quota: their own, else the default.
create function exports._storage_quota(usage exports.usage) returns bigint
language sql
stable
begin atomic
  select coalesce(usage.storage_quota_bytes, s.storage_quota_bytes) from exports.settings s;
end;
comment on function exports._storage_quota is
  'The bytes of completed exports a user may hold: exports.usage.storage_quota_bytes, else exports.settings.storage_quota_bytes.';

-- The refusal of a request whose file cannot fit (EX013). `needed` is the
-- request's low estimate, zero when nothing more is known than that the
-- quota is already used up. A user with no usage row yet stores nothing.
create function exports._refuse_over_storage_quota(usage exports.usage, needed bigint) returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  quota bigint := exports._storage_quota(usage);
  stored bigint := coalesce(usage.stored_bytes, 0);
begin
  if stored + needed <= quota and stored < quota then
    return;
  end if;
  raise exception '%', case
      when needed = 0 or stored >= quota then
        pg_catalog.format('your completed exports take %s, all of your storage quota of %s; delete exports you '
          'no longer need (DELETE /exports/{id} in the exports API, or the delete_export RPC) and request it again',
          pg_catalog.pg_size_pretty(stored), pg_catalog.pg_size_pretty(quota))
      else pg_catalog.format('this export needs at least %s and your completed exports take %s of your storage '
          'quota of %s; delete exports you no longer need (DELETE /exports/{id} in the exports API, or the '
          'delete_export RPC) and request it again', pg_catalog.pg_size_pretty(needed),
          pg_catalog.pg_size_pretty(stored), pg_catalog.pg_size_pretty(quota))
    end
    using errcode = 'EX013', hint = 'A deleted export frees its space at once; list yours with list_exports.';
end
$$;
comment on function exports._refuse_over_storage_quota is
  'Refuses (EX013) a request whose file, of at least `needed` bytes, would take its requester (their usage row) past their storage quota.';

-- As before, plus the storage quota: a caller whose completed exports use up
-- the quota is refused before any row is counted.
create or replace function exports._refuse_over_quota(active_exports int default null) returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  uid uuid := exports._require_user();
  settings exports.settings := (select s from exports.settings s);
  active int := coalesce(active_exports, (select u.active_exports from exports.usage u where u.user_id = uid), 0);
  recent bigint;
begin
  if active >= settings.max_active_exports_per_user then
    raise exception 'you already have % exports queued or running; the limit is %',
      active, settings.max_active_exports_per_user
      using errcode = 'EX010', hint = 'Wait for one to finish, or cancel one.';
  end if;
  -- Counted from the history rather than a counter, for an exact rolling
  -- window; the (owner_id, requested_at) index bounds it to the quota's size.
  select count(*) into recent from exports.exports e
  where e.owner_id = uid and e.requested_at > now() - interval '24 hours';
  if recent >= settings.max_exports_per_day then
    raise exception 'you have requested % exports in the last 24 hours; the limit is %',
      recent, settings.max_exports_per_day
      using errcode = 'EX011', hint = 'Try again later, or download one of your recent exports.';
  end if;
  perform exports._refuse_over_storage_quota((select u from exports.usage u where u.user_id = uid), 0);
end
$$;

-- As before, plus the export's priority (its source's default), its turn in
-- the fair queue and the storage quota's estimate.
create or replace function exports._enqueue_export(
  source_name text, format text, options jsonb, idempotency_key text, scope_id uuid, compression text,
  defuse_formulas boolean, rows_expected bigint
) returns exports.exports
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := exports._require_user();
  source exports.sources := exports._check_request(source_name, format, options, scope_id, compression);
  settings exports.settings := (select s from exports.settings s);
  usage exports.usage;
  row_limit bigint := exports._row_limit(source, format);
  written_as exports.formats := (select f from exports.formats f where f.name = _enqueue_export.format);
  created exports.exports;
  new_id uuid := exports.uuid_v7();
  file_name text;
  turn bigint;
begin
  -- One request per user at a time: the usage row is the lock the quotas need.
  insert into exports.usage (user_id) values (uid) on conflict (user_id) do nothing;
  select * into usage from exports.usage u where u.user_id = uid for update;

  if idempotency_key is not null then
    created := exports._replay_request(source_name, format, options, idempotency_key, scope_id, compression,
      defuse_formulas);
    if created.export_id is not null then
      return created;
    end if;
  end if;

  perform exports._refuse_over_quota(usage.active_exports);
  if rows_expected > row_limit then
    raise exception '%', case
        when row_limit = written_as.row_cap then
          pg_catalog.format('format ''%s'' supports at most %s rows; this export has at least %s',
            format, row_limit, rows_expected)
        else pg_catalog.format('source ''%s'' allows at most %s rows in format ''%s''; this export has at least %s',
          source.name, row_limit, format, rows_expected)
      end
      using errcode = 'EX012', hint = case
        when exports._csv_would_help(source, format)
          then 'Narrow the options (a shorter date range, a filter), or choose csv.'
        else 'Narrow the options (a shorter date range, a filter).'
      end;
  end if;
  -- Rows not counted past small_export_rows are at least one more than it.
  perform exports._refuse_over_storage_quota(usage,
    coalesce(rows_expected, settings.small_export_rows + 1) * written_as.bytes_per_row
      / case compression when 'gzip' then 10 else 1 end);

  -- The turn the queue has reached at this priority: the next claim's. With
  -- nothing queued at it, the latest request's turn, so turns never run
  -- backwards for owners whose exports are still running. An owner with
  -- exports queued or running takes the turn after their latest, so one
  -- user's many exports alternate with everyone else's.
  select e.queue_turn into turn from exports.exports e
  where e.status = 'queued' and e.deleted_at is null and e.priority = source.default_priority
  order by e.priority desc, e.queue_turn
  limit 1;
  if turn is null then
    select e.queue_turn into turn from exports.exports e order by e.id desc limit 1;
  end if;
  turn := coalesce(turn, 0);
  if usage.active_exports > 0 then
    turn := greatest(turn, usage.last_queue_turn + 1);
  end if;
  update exports.usage u set last_queue_turn = turn where u.user_id = uid;

  file_name := pg_catalog.format('%s-%s-%s.%s%s', source.name, to_char(now() at time zone 'utc', 'YYYYMMDD-HH24MISS'),
    -- The id's last 8 hex digits are random; its first ones are the time,
    -- the same for every export requested within a minute or so.
    right(new_id::text, 8),
    written_as.extension,
    case compression when 'gzip' then '.gz' else '' end);
  insert into exports.exports (export_id, owner_id, scope_id, source, format, compression, defuse_formulas,
    options, idempotency_key, priority, queue_turn, max_attempts, rows_expected, content_type, file_name, storage_path)
  values (new_id, uid, scope_id, source.name, format, compression,
    coalesce(defuse_formulas, source.defuse_formulas), options,
    idempotency_key, source.default_priority, turn, settings.default_max_attempts, rows_expected,
    case when compression = 'gzip' then 'application/gzip' else written_as.content_type end,
    file_name, exports._attempt_path(coalesce(scope_id, uid), new_id, 1, file_name))
  returning * into created;

  -- The export will run with the claims of this request (auth.uid() may come
  -- from the older request.jwt.claim.sub alone: then there are none to keep).
  insert into exports.request_claims (export_id, claims)
  values (new_id, coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb);

  -- Delivered at commit, so the worker never wakes for a request that rolled back.
  perform pg_notify('exports_wake', new_id::text);
  return created;
end
$$;

-- As before, but every request counts its rows: up to one past its row
-- limit where the format has one, else, with the rows function alone, up to
-- one past small_export_rows. A request never costs a scan of all the
-- user's rows, a count function still runs only to check a row limit (it
-- counts everything), and the claim can put a small export ahead of a large
-- one. rows_expected keeps a count only where it is exact or a row limit
-- needs it.
create or replace function public.request_export(
  source text,
  format text,
  options jsonb default '{}',
  idempotency_key text default null,
  scope uuid default null,
  compression text default 'none',
  defuse_formulas boolean default null
) returns public.export_summary
language plpgsql
security definer
set search_path = ''
as $$
declare
  earlier exports.exports;
  checked exports.sources;
  uncounted exports.sources;
  row_limit bigint;
  small bigint := (select s.small_export_rows::bigint from exports.settings s);
  rows_expected bigint;
begin
  if idempotency_key is not null then
    earlier := exports._replay_request(source, format, options, idempotency_key, scope, compression,
      defuse_formulas);
    if earlier.export_id is not null then
      return exports._summary(earlier);
    end if;
  end if;
  checked := exports._check_request(source, format, options, scope, compression);
  -- A caller over a quota is refused before the count, which may read up to
  -- row_limit + 1 rows (a million for XLSX) to no purpose.
  perform exports._refuse_over_quota();
  row_limit := exports._row_limit(checked, format);
  if row_limit is not null then
    rows_expected := exports._count_rows_as_user(checked, exports._source_options(options, scope), row_limit + 1);
  elsif small > 0 then
    uncounted := checked;
    uncounted.count_function := null;
    rows_expected := nullif(least(
      exports._count_rows_as_user(uncounted, exports._source_options(options, scope), small + 1), small + 1), small + 1);
  end if;
  return exports._summary(
    exports._enqueue_export(source, format, options, idempotency_key, scope, compression, defuse_formulas,
      rows_expected));
end
$$;

-- As before, in the fair queue's order.
-- plan_cache_mode: PL/pgSQL plans the claim once per session, but with
-- `limit max_exports` a parameter the plan cache keeps choosing a custom plan
-- (a generic plan's cost assumes a tenth of the queue), so every call would
-- plan the claim again, a large share of its cost. The generic plan must then
-- be right for any limit: see the array in the claim below.
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
        started_at = coalesce(e.started_at, now()), rows_written = 0,
        storage_path = exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, e.attempt + 1, e.file_name)
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
           t.rows_expected, b.row_limit
    from taken t
    left join exports.request_claims c on c.export_id = t.export_id
    join exports.sources s on s.name = t.source
    cross join lateral exports._build_statement(s, t.format, exports._source_options(t.options, t.scope_id),
      t.defuse_formulas) b
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
    return next claimed;
  end loop;
end
$$;
comment on function exports.claim_exports is
  'Claims up to max_exports due exports for worker_id, by priority, then turns shared between owners, then the smaller export, then age, with a lease of lease_seconds: they become processing, attempt + 1. Its transaction commits asynchronously (synchronous_commit off): call it on its own.';

-- The words of a completion refused by the storage quota: its failure
-- code's message, filled in.
create function exports._storage_quota_failure_message(file_size bigint, stored bigint, quota bigint) returns text
language sql
stable
begin atomic
  select replace(replace(replace(f.message,
      '{file_size}', pg_catalog.pg_size_pretty(file_size)),
      '{stored}', pg_catalog.pg_size_pretty(stored)),
      '{quota}', pg_catalog.pg_size_pretty(quota))
  from exports.failure_codes f
  where f.code = 'storage_quota_exceeded';
end;
comment on function exports._storage_quota_failure_message is
  'The message of an export whose file does not fit in its owner''s storage quota.';

-- As before, plus the storage quota: an export whose file would take its
-- owner past the quota fails (storage_quota_exceeded) instead, and is
-- answered `completed: false`, so the worker removes the file. The exports
-- are locked first and their owners' usage rows after, in user order, as
-- every other writer of both does: two completions for one owner then read
-- each other's bytes, never both the same.
create or replace function exports.complete_exports(worker_id text, completions jsonb)
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
  perform from exports.usage u
  where u.user_id in (
    select e.owner_id from exports.exports e
    where e.export_id in (select g.export_id from jsonb_to_recordset(completions) as g(export_id uuid))
      and e.status = 'processing' and e.lease_owner = complete_exports.worker_id
    order by e.id
    for no key update)
  order by u.user_id
  for no key update;
  return query
  with given as (
    select * from jsonb_to_recordset(completions)
      as c(export_id uuid, file_size bigint, checksum_sha256 text, row_count bigint, attempt int)
  ), held as (
    -- What the owner holds once this file and the batch's files before it are stored.
    select e.id, g.file_size, g.checksum_sha256, g.row_count, exports._storage_quota(u) as quota,
      (u.stored_bytes + sum(g.file_size) over (partition by e.owner_id order by e.id))::bigint as stored_after
    from given g
    join exports.exports e on e.export_id = g.export_id
    join exports.usage u on u.user_id = e.owner_id
    where e.status = 'processing' and e.lease_owner = complete_exports.worker_id and e.deleted_at is null
      and (g.attempt is null or e.attempt = g.attempt)
  ), done as (
    update exports.exports e set
      status = 'completed', file_size = h.file_size, checksum_sha256 = h.checksum_sha256,
      row_count = h.row_count, rows_written = h.row_count, finished_at = now(),
      expires_at = now() + (select s.file_retention from exports.settings s),
      lease_owner = null, lease_expires_at = null, error_code = null, error_message = null
    from held h
    where e.id = h.id and h.stored_after <= h.quota
    returning e.export_id
  ), refused as (
    update exports.exports e set
      status = 'failed', finished_at = now(), lease_owner = null, lease_expires_at = null,
      error_code = 'storage_quota_exceeded',
      error_message = exports._storage_quota_failure_message(h.file_size, h.stored_after - h.file_size, h.quota)
    from held h
    where e.id = h.id and h.stored_after > h.quota
    returning e.export_id
  )
  select g.export_id, exists (select from done d where d.export_id = g.export_id) from given g;
end
$$;
comment on function exports.complete_exports is
  'complete_export for several exports in one call: completions is [{export_id, file_size, checksum_sha256, row_count, attempt?}] (attempt: refused unless the export is still on that claim, see heartbeat); returns each export_id with whether it was completed. An export whose file would take its owner past the storage quota fails with storage_quota_exceeded and is answered false. Its transaction commits asynchronously (synchronous_commit off): call it on its own.';

-- The service role's way to move an export in the queue: users cannot
-- change a priority, their own included. Raising an export to a priority
-- puts it no later than the turn that priority's queue has reached.
create function public.set_export_priority(export_id uuid, priority int) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  head bigint;
begin
  if priority is null or priority not between -32768 and 32767 then
    raise exception 'priority must be a whole number from -32768 to 32767; got %', coalesce(priority::text, 'null')
      using errcode = 'EX004', hint = 'Higher is claimed first; sources queue their exports at their default_priority.';
  end if;
  select * into target from exports.exports e
  where e.export_id = set_export_priority.export_id and e.deleted_at is null
  for update;
  if not found then
    raise exception 'export % does not exist', export_id
      using errcode = 'EX020', hint = 'Pass the export_id request_export or list_exports returned.';
  end if;
  if target.status not in ('queued', 'processing') then
    raise exception 'export % is %; only a queued or processing export has a priority to change', export_id, target.status
      using errcode = 'EX021', hint = 'Request it again to export it again.';
  end if;
  select e.queue_turn into head from exports.exports e
  where e.status = 'queued' and e.deleted_at is null and e.priority = set_export_priority.priority and e.id <> target.id
  order by e.priority desc, e.queue_turn
  limit 1;
  update exports.exports e set
    priority = set_export_priority.priority,
    queue_turn = least(e.queue_turn, coalesce(head, e.queue_turn))
  where e.id = target.id
  returning * into target;
  return jsonb_build_object('export_id', target.export_id, 'status', target.status, 'priority', target.priority);
end
$$;
comment on function public.set_export_priority is
  'Service role only: sets the priority of a queued or processing export (higher is claimed first); returns {export_id, status, priority}. Errors: EX004, EX020, EX021.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._stored_bytes(text, timestamptz, bigint),
  exports._storage_quota(exports.usage), exports._refuse_over_storage_quota(exports.usage, bigint),
  exports._storage_quota_failure_message(bigint, bigint, bigint)
  from public, anon, authenticated;
revoke execute on function public.set_export_priority(uuid, int) from public, anon, authenticated;
grant execute on function public.set_export_priority(uuid, int) to service_role;
