-- What users see of exports written in slices: a request may ask for a
-- smaller part limit (max_part_bytes), and a source may set one; summaries
-- count the parts stored so far and estimate the time left; a download
-- lists every part, for the exports API to sign a link to each.

-- ============================================================================
-- summaries
-- ============================================================================

-- As before, plus the parts stored so far (an export written as one file
-- has one), and the seconds left at the rate its rows have been written
-- since it started, where both the rows written and expected are known.
create or replace function exports._summary(e exports.exports) returns public.export_summary
language plpgsql
stable
set search_path = ''
as $$
begin
  return row(e.export_id, e.owner_id, e.scope_id, e.source, e.format, e.compression, e.defuse_formulas,
      e.options, e.status,
      e.error_code, e.error_message, e.attempt, e.max_attempts, e.rows_written, e.rows_expected, e.row_count,
      e.file_size, e.content_type, e.file_name, e.checksum_sha256, e.expires_at, e.download_count,
      e.last_downloaded_at, e.requested_at, e.started_at, e.finished_at,
      case when e.status in ('completed', 'expired') then greatest(e.parts, 1) else e.parts end,
      case when e.status in ('queued', 'processing') and e.rows_written > 0 and e.rows_expected >= e.rows_written
             and e.started_at is not null
           then ceil((e.rows_expected - e.rows_written)
             * extract(epoch from now() - e.started_at) / e.rows_written)::int
      end)::public.export_summary;
end
$$;

-- ============================================================================
-- requests
-- ============================================================================

-- A part limit is a request's to choose as much as its format and options:
-- a repeated idempotency key must repeat it too.
drop function exports._replay_request(text, text, jsonb, text, uuid, text, boolean);
create function exports._replay_request(
  source_name text, format text, options jsonb, idempotency_key text, scope_id uuid, compression text,
  defuse_formulas boolean, max_part_bytes bigint
) returns exports.exports
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  uid uuid := exports._require_user();
  earlier exports.exports;
begin
  -- Checked here rather than left to the column's check constraint, whose
  -- error (23514) would reach the caller as an internal error.
  if length(idempotency_key) not between 1 and 200 then
    raise exception 'idempotency_key must be 1 to 200 characters; got %', length(idempotency_key)
      using errcode = 'EX004', hint = 'Send a short unique string per request, such as a UUID.';
  end if;
  select * into earlier from exports.exports e
  where e.owner_id = uid and e.idempotency_key = _replay_request.idempotency_key;
  if not found then
    return null;
  end if;
  -- The key stays taken by the deleted export (one key, one export), which
  -- its owner can no longer see.
  if earlier.deleted_at is not null then
    raise exception 'idempotency key ''%'' was used for an export that has since been deleted', idempotency_key
      using errcode = 'EX007', hint = 'Use a new key to request it again.';
  end if;
  -- A scope's export is its current members' (see the policy on exports.exports).
  perform exports._require_scope_member(earlier.scope_id, uid);
  if (earlier.source, earlier.format, earlier.options, earlier.scope_id, earlier.compression, earlier.defuse_formulas,
      earlier.max_part_bytes)
     is distinct from (source_name, format, options, scope_id, compression, coalesce(defuse_formulas,
       (select s.defuse_formulas from exports.sources s where s.name = source_name)), max_part_bytes) then
    raise exception 'idempotency key ''%'' was already used for a different export', idempotency_key
      using errcode = 'EX007', hint = 'Use a new key for a new request; repeat a request with exactly the same arguments.';
  end if;
  return earlier;
end
$$;
comment on function exports._replay_request is
  'The caller''s earlier export with this idempotency key, or null; EX007 when it was deleted or asked for something else.';

drop function exports._enqueue_export(text, text, jsonb, text, uuid, text, boolean, bigint);
create function exports._enqueue_export(
  source_name text, format text, options jsonb, idempotency_key text, scope_id uuid, compression text,
  defuse_formulas boolean, rows_expected bigint, max_part_bytes bigint
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
      defuse_formulas, max_part_bytes);
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
    options, idempotency_key, priority, queue_turn, max_attempts, rows_expected, content_type, file_name, storage_path,
    max_part_bytes)
  values (new_id, uid, scope_id, source.name, format, compression,
    coalesce(defuse_formulas, source.defuse_formulas), options,
    idempotency_key, source.default_priority, turn, settings.default_max_attempts, rows_expected,
    case when compression = 'gzip' then 'application/gzip' else written_as.content_type end,
    file_name, exports._attempt_path(coalesce(scope_id, uid), new_id, 1, file_name), max_part_bytes)
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
comment on function exports._enqueue_export is
  'Queues a checked request as the caller''s export (or returns the earlier one for its idempotency key), after the quotas.';

-- As before, plus max_part_bytes: the largest part file the caller wants
-- (a smaller one than the source's or the module's may apply).
drop function public.request_export(text, text, jsonb, text, uuid, text, boolean);
create function public.request_export(
  source text,
  format text,
  options jsonb default '{}',
  idempotency_key text default null,
  scope uuid default null,
  compression text default 'none',
  defuse_formulas boolean default null,
  max_part_bytes bigint default null
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
  if max_part_bytes < 65536 then
    raise exception 'max_part_bytes must be at least 65536 (64 KiB); got %', max_part_bytes
      using errcode = 'EX014', hint = 'Leave it out for the largest parts Storage takes.';
  end if;
  if idempotency_key is not null then
    earlier := exports._replay_request(source, format, options, idempotency_key, scope, compression,
      defuse_formulas, max_part_bytes);
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
      rows_expected, max_part_bytes));
end
$$;
comment on function public.request_export is
  'Requests an export of a source in a format, with options (filters) and optionally a shared scope; defuse_formulas (CSV: a text cell starting with =, +, -, @, tab or carriage return gets a leading '') overrides the source''s default; max_part_bytes (64 KiB up) the largest part file, a bigger export being written as numbered parts. Returns the new export, or the earlier one for a repeated idempotency key. Errors: EX001-EX014.';

-- ============================================================================
-- sources
-- ============================================================================

-- Declared apart from register_source, which keeps its signature: a source
-- registered again keeps its part limit.
create function exports.set_max_part_bytes(source text, max_part_bytes bigint) returns exports.sources
language plpgsql
set search_path = ''
as $$
declare
  registered exports.sources;
begin
  if max_part_bytes < 65536 then
    raise exception 'max_part_bytes must be at least 65536 (64 KiB); got %', max_part_bytes
      using errcode = 'EX030', hint = 'Give a larger limit, or null for the settings'' and the bucket''s.';
  end if;
  update exports.sources s set max_part_bytes = set_max_part_bytes.max_part_bytes
  where s.name = set_max_part_bytes.source
  returning * into registered;
  if registered is null then
    raise exception 'there is no source %', source
      using errcode = 'EX030', hint = 'Register it with exports.register_source first.';
  end if;
  return registered;
end
$$;
comment on function exports.set_max_part_bytes is
  'Sets (or, with null, removes) the largest part file of a source''s exports, in bytes (64 KiB up).';

-- ============================================================================
-- downloads
-- ============================================================================

-- As before, plus the parts: every part's path, download name, size, rows
-- and sha256, in order. An export of one part downloads under its own file
-- name; an export written as one file (before slices) is its one part.
drop function public.record_export_download(uuid);
create function public.record_export_download(export_id uuid)
returns table (storage_bucket text, storage_path text, file_name text, content_type text, expires_at timestamptz,
  parts jsonb)
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports := exports._lock_visible_export(export_id);
  stored_parts bigint;
  listed jsonb;
begin
  if target.status <> 'completed' or target.expires_at <= now() then
    raise exception 'export % is %; only completed exports can be downloaded', export_id,
      case when target.status = 'completed' then 'past its expiry' else target.status end
      using errcode = 'EX022', hint = 'Wait until it is completed, or request a new export.';
  end if;
  update exports.exports e set download_count = e.download_count + 1, last_downloaded_at = now()
  where e.id = target.id;
  select count(*) into stored_parts from exports.export_parts p where p.export_id = target.export_id;
  select jsonb_agg(jsonb_build_object(
      'part', p.part, 'storage_path', p.storage_path,
      'file_name', case when stored_parts = 1 then target.file_name else exports._part_file_name(target, p.part) end,
      'size', p.size, 'first_row', p.first_position, 'last_row', p.last_position, 'rows', p.row_count,
      'sha256', p.sha256) order by p.part)
    into listed
  from exports.export_parts p
  where p.export_id = target.export_id;
  return query select target.storage_bucket, target.storage_path, target.file_name, target.content_type,
    target.expires_at, coalesce(listed, jsonb_build_array(jsonb_build_object(
      'part', 1, 'storage_path', target.storage_path, 'file_name', target.file_name, 'size', target.file_size,
      'first_row', least(target.row_count, 1), 'last_row', target.row_count, 'rows', target.row_count,
      'sha256', target.checksum_sha256)));
end
$$;
comment on function public.record_export_download is
  'Records a download of a completed export the caller may see and returns where its file is and its parts ([{part, storage_path, file_name, size, first_row, last_row, rows, sha256}], one for an export of one file), for the exports API to sign a short-lived link to each. Errors: EX020, EX022.';

-- ============================================================================
-- what signed-in users may call
-- ============================================================================

create or replace function exports.callable_by_authenticated()
returns table (signature text, procedure regprocedure, reason text)
language sql
stable
set search_path = ''
as $$
  select l.signature, pg_catalog.to_regprocedure(l.signature), l.reason
    from (values
      ('public.request_export(text,text,jsonb,text,uuid,text,boolean,bigint)', 'client RPC'),
      ('public.list_exports(text,text,text,timestamptz,timestamptz,integer,uuid)', 'client RPC'),
      ('public.get_export(uuid)', 'client RPC'),
      ('public.list_export_events(uuid)', 'client RPC'),
      ('public.cancel_export(uuid)', 'client RPC'),
      ('public.delete_export(uuid)', 'client RPC'),
      ('public.record_export_download(uuid)', 'client RPC'),
      ('public.list_export_sources()', 'client RPC'),
      ('public.list_export_scopes()', 'client RPC'),
      ('exports._summary(exports.exports)', 'list_exports and get_export call it as the caller'),
      ('exports._require_user()', 'the RPCs check the caller''s own user with it'),
      ('exports.count_source_rows(exports.sources,jsonb,bigint)', 'request_export counts rows as the caller'),
      ('exports._function_name(regprocedure)', 'the worker''s statements run it as the user'),
      ('exports.markdown_cell(text)', 'the worker''s Markdown statement runs it as the user'),
      ('exports.markdown_header(text[])', 'the worker''s Markdown statement runs it as the user'),
      ('exports.markdown_row(json)', 'the worker''s Markdown statement runs it as the user'),
      ('exports.html_escape(text)', 'the worker''s HTML statement runs it as the user'),
      ('exports.html_header(text[])', 'the worker''s HTML statement runs it as the user'),
      ('exports.html_row(json)', 'the worker''s HTML statement runs it as the user')
    ) as l (signature, reason)
$$;

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function
  exports._replay_request(text, text, jsonb, text, uuid, text, boolean, bigint),
  exports._enqueue_export(text, text, jsonb, text, uuid, text, boolean, bigint, bigint),
  public.request_export(text, text, jsonb, text, uuid, text, boolean, bigint),
  public.record_export_download(uuid), exports.set_max_part_bytes(text, bigint)
  from public, anon, authenticated, service_role;
grant execute on function public.request_export(text, text, jsonb, text, uuid, text, boolean, bigint),
  public.record_export_download(uuid)
  to authenticated;
