-- The client API in public: request, list, get, cancel and delete exports,
-- read their events and record a download. Granted to authenticated only.
-- Reads run as the caller (RLS decides); writes go through security definer
-- functions in the private schema, which check auth.uid() themselves.

-- ============================================================================
-- types
-- ============================================================================

create type public.export_summary as (
  export_id uuid,
  owner_id uuid,
  scope_id uuid,
  source text,
  format text,
  compression text,
  options jsonb,
  status text,
  error_code text,
  error_message text,
  attempt int,
  max_attempts int,
  rows_written bigint,
  rows_expected bigint,
  row_count bigint,
  file_size bigint,
  content_type text,
  file_name text,
  checksum_sha256 text,
  expires_at timestamptz,
  download_count int,
  last_downloaded_at timestamptz,
  requested_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz
);
comment on type public.export_summary is
  'An export as its requester and the members of its scope see it: no lease, no storage path.';

create function exports._summary(e exports.exports) returns public.export_summary
language plpgsql
immutable
set search_path = ''
as $$
begin
  return row(e.export_id, e.owner_id, e.scope_id, e.source, e.format, e.compression, e.options, e.status,
      e.error_code, e.error_message, e.attempt, e.max_attempts, e.rows_written, e.rows_expected, e.row_count,
      e.file_size, e.content_type, e.file_name, e.checksum_sha256, e.expires_at, e.download_count,
      e.last_downloaded_at, e.requested_at, e.started_at, e.finished_at)::public.export_summary;
end
$$;

-- ============================================================================
-- validation
-- ============================================================================

-- The caller's user id: refuses a caller with no sub (EX008) and one whose sub
-- names no user (EX009), before anything else reads auth.uid().
create function exports._require_user() returns uuid
language plpgsql
stable
-- Reads auth.users, which signed-in users cannot select.
security definer
set search_path = ''
as $$
declare
  sub text := auth.jwt() ->> 'sub';
  uid uuid;
begin
  -- A sub that uuid_in would refuse is checked first, so the caller reads
  -- EX009 rather than auth.uid()'s bare 22P02.
  if sub !~* '^([{]([0-9a-f]{4}-?){7}[0-9a-f]{4}[}]|([0-9a-f]{4}-?){7}[0-9a-f]{4})$' then
    raise exception 'the access token''s subject is not a user id'
      using errcode = 'EX009', hint = 'Sign in again to get a user''s access token.';
  end if;
  uid := auth.uid();
  if uid is null then
    raise exception 'you must be signed in to use exports'
      using errcode = 'EX008', hint = 'Send the request with a signed-in user''s access token.';
  end if;
  -- Access tokens outlive the deletion of their user until they expire.
  if not exists (select from auth.users u where u.id = uid) then
    raise exception 'the signed-in user no longer exists'
      using errcode = 'EX009', hint = 'Sign in again as an existing user.';
  end if;
  return uid;
end
$$;

-- Refuses (EX005) a user who is not a member of `scope_id`; nothing to check
-- without a scope. Read by auth.uid(), not through RLS.
create function exports._require_scope_member(scope_id uuid, uid uuid) returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if scope_id is not null and not exists (
    select from exports.scope_members m where m.scope_id = _require_scope_member.scope_id and m.user_id = uid
  ) then
    raise exception 'you are not a member of scope %', scope_id
      using errcode = 'EX005', hint = 'Ask a member of that household or team to add you, or pick one you belong to.';
  end if;
end
$$;

-- Everything about a request that does not need the data itself: the source,
-- the format, the options and the scope. It reads only the source catalogue,
-- which every signed-in user sees, and the caller's own memberships (by
-- auth.uid(), not by RLS). Security definer so that it always runs as one
-- role: request_export calls it as the user and _enqueue_export as the owner,
-- and a plan made under row security is made again whenever the role changes,
-- which was twice on every request.
create function exports._check_request(
  source_name text, format text, options jsonb, scope_id uuid, compression text
) returns exports.sources
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  uid uuid := exports._require_user();
  source exports.sources;
begin
  select * into source from exports.sources s where s.name = source_name;
  if not found then
    raise exception 'there is no export source named ''%''', source_name
      using errcode = 'EX001',
            hint = format('Sources are: %s.', (select string_agg(s.name, ', ' order by s.name) from exports.sources s));
  end if;
  if format is null or not exists (select from exports.formats f where f.name = _check_request.format) then
    raise exception 'there is no export format ''%''', format
      using errcode = 'EX002', hint = pg_catalog.format('Formats are %s.', exports._format_names());
  end if;
  if not format = any (source.formats) then
    raise exception 'source ''%'' does not offer format ''%''', source.name, format
      using errcode = 'EX003', hint = format('It offers: %s.', array_to_string(source.formats, ', '));
  end if;
  if compression is null or compression not in ('none', 'gzip') then
    raise exception 'there is no compression ''%''', compression
      using errcode = 'EX004', hint = 'Use none or gzip.';
  end if;
  perform exports._validate_options(source, options);
  if source.requires_scope and scope_id is null then
    raise exception 'source ''%'' exports a shared scope; say which one', source.name
      using errcode = 'EX006', hint = 'Pass scope => the id of a household or team you belong to.';
  end if;
  if not source.requires_scope and scope_id is not null then
    raise exception 'source ''%'' exports your own data and takes no scope', source.name
      using errcode = 'EX006', hint = 'Leave scope out.';
  end if;
  perform exports._require_scope_member(scope_id, uid);
  return source;
end
$$;

-- ============================================================================
-- enqueueing (security definer: clients cannot write exports.exports)
-- ============================================================================

-- Returns the caller's earlier export for an idempotency key, or nothing;
-- refuses a key reused for a different request.
create function exports._replay_request(
  source_name text, format text, options jsonb, idempotency_key text, scope_id uuid, compression text
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
  if (earlier.source, earlier.format, earlier.options, earlier.scope_id, earlier.compression)
     is distinct from (source_name, format, options, scope_id, compression) then
    raise exception 'idempotency key ''%'' was already used for a different export', idempotency_key
      using errcode = 'EX007', hint = 'Use a new key for a new request; repeat a request with exactly the same arguments.';
  end if;
  return earlier;
end
$$;

-- Refuses a caller over a quota (EX010, EX011). `active_exports` is the
-- caller's count as read under the usage row's lock; without it, it is read
-- here, unlocked, for the check request_export makes before counting rows.
create function exports._refuse_over_quota(active_exports int default null) returns void
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
end
$$;

-- Why the row count arrives as an argument: it must be counted as the user
-- (RLS), which a security definer function cannot do. It is null when the
-- format has no row limit (nothing was counted). Only request_export calls
-- this; the schema is not exposed through the API.
create function exports._enqueue_export(
  source_name text, format text, options jsonb, idempotency_key text, scope_id uuid, compression text,
  rows_expected bigint
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
begin
  -- One request per user at a time: the usage row is the lock the quotas need.
  insert into exports.usage (user_id) values (uid) on conflict (user_id) do nothing;
  select * into usage from exports.usage u where u.user_id = uid for update;

  if idempotency_key is not null then
    created := exports._replay_request(source_name, format, options, idempotency_key, scope_id, compression);
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

  file_name := pg_catalog.format('%s-%s-%s.%s%s', source.name, to_char(now() at time zone 'utc', 'YYYYMMDD-HH24MISS'),
    left(new_id::text, 8),
    written_as.extension,
    case compression when 'gzip' then '.gz' else '' end);
  insert into exports.exports (export_id, owner_id, scope_id, source, format, compression, options,
    idempotency_key, max_attempts, rows_expected, content_type, file_name, storage_path)
  values (new_id, uid, scope_id, source.name, format, compression, options,
    idempotency_key, settings.default_max_attempts, rows_expected,
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

-- ============================================================================
-- public RPCs
-- ============================================================================

create function public.request_export(
  source text,
  format text,
  options jsonb default '{}',
  idempotency_key text default null,
  scope uuid default null,
  compression text default 'none'
) returns public.export_summary
language plpgsql
security invoker
set search_path = ''
as $$
declare
  earlier exports.exports;
  checked exports.sources;
  row_limit bigint;
  rows_expected bigint;
begin
  if idempotency_key is not null then
    earlier := exports._replay_request(source, format, options, idempotency_key, scope, compression);
    if earlier.export_id is not null then
      return exports._summary(earlier);
    end if;
  end if;
  checked := exports._check_request(source, format, options, scope, compression);
  -- Rows are counted only where a limit must be checked, and only one past
  -- it: a request must not cost a scan of everything the user owns.
  row_limit := exports._row_limit(checked, format);
  if row_limit is not null then
    -- A caller over a quota is refused before the count, which may read up
    -- to row_limit + 1 rows (a million for XLSX) to no purpose.
    perform exports._refuse_over_quota();
    rows_expected := exports.count_source_rows(checked, exports._source_options(options, scope), row_limit + 1);
  end if;
  return exports._summary(
    exports._enqueue_export(source, format, options, idempotency_key, scope, compression, rows_expected));
end
$$;
comment on function public.request_export is
  'Requests an export of a source in a format, with options (filters) and optionally a shared scope; returns the new export, or the earlier one for a repeated idempotency key. Errors: EX001-EX012.';

create function public.list_exports(
  status text default null,
  format text default null,
  source text default null,
  requested_from timestamptz default null,
  requested_to timestamptz default null,
  page_size int default 20,
  before_export_id uuid default null
) returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  -- Bounds the work one call can ask of the database; pages are keyset-based.
  max_page_size constant int := 100;
  anchor exports.exports;
  result jsonb;
begin
  perform exports._require_user();
  if page_size is null or page_size < 1 or page_size > max_page_size then
    raise exception 'page_size must be between 1 and %; got %', max_page_size, page_size
      using errcode = 'EX004', hint = 'Ask for fewer exports a page and follow next_before_export_id.';
  end if;
  if before_export_id is not null then
    select * into anchor from exports.exports e where e.export_id = before_export_id;
    if not found then
      raise exception 'export % does not exist or is not yours to see', before_export_id
        using errcode = 'EX020', hint = 'Pass the next_before_export_id of the previous page.';
    end if;
  end if;

  with filtered as (
    select e from exports.exports e
    where (list_exports.status is null or e.status = list_exports.status)
      and (list_exports.format is null or e.format = list_exports.format)
      and (list_exports.source is null or e.source = list_exports.source)
      and (requested_from is null or e.requested_at >= requested_from)
      and (requested_to is null or e.requested_at < requested_to)
  ), page as (
    -- One row more than asked tells whether another page follows.
    select f.e, row_number() over (order by (f.e).requested_at desc, (f.e).id desc) as n
    from filtered f
    where anchor.id is null or ((f.e).requested_at, (f.e).id) < (anchor.requested_at, anchor.id)
    order by (f.e).requested_at desc, (f.e).id desc
    limit page_size + 1
  )
  select jsonb_build_object(
    'exports', coalesce((select jsonb_agg(to_jsonb(exports._summary(p.e)) order by p.n)
                         from page p where p.n <= page_size), '[]'),
    'total_count', (select count(*) from filtered),
    'next_before_export_id', (select (p.e).export_id from page p
                              where p.n = page_size and exists (select from page q where q.n > page_size))
  ) into result;
  return result;
end
$$;
comment on function public.list_exports is
  'A page of the exports the caller may see (their own and their scopes''), newest first, filtered by status, format, source and request time: {exports, total_count, next_before_export_id}.';

create function public.get_export(export_id uuid) returns setof public.export_summary
language sql
stable
security invoker
set search_path = ''
as $$
  select exports._summary(e) from exports.exports e where e.export_id = get_export.export_id
$$;
comment on function public.get_export is 'One export the caller may see, or no row when it does not exist or is not visible.';

create function public.list_export_events(export_id uuid)
returns table (event text, actor_id uuid, detail jsonb, occurred_at timestamptz)
language sql
stable
security invoker
set search_path = ''
as $$
  select v.event, v.actor_id, v.detail, v.occurred_at
  from exports.export_events v
  where v.export_id = list_export_events.export_id
  order by v.occurred_at, v.id
$$;
comment on function public.list_export_events is 'The audit trail of one export the caller may see, oldest first.';

-- Locks an export the caller may see, or refuses with EX020.
create function exports._lock_visible_export(export_id uuid) returns exports.exports
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := exports._require_user();
  found_export exports.exports;
begin
  select * into found_export from exports.exports e
  where e.export_id = _lock_visible_export.export_id
    and e.deleted_at is null
    -- As the policy on exports.exports: a scope's exports, only for its current members.
    and ((e.scope_id is null and e.owner_id = uid) or exists (
      select from exports.scope_members m where m.scope_id = e.scope_id and m.user_id = uid))
  for update;
  if not found then
    raise exception 'export % does not exist or is not yours to see', export_id
      using errcode = 'EX020', hint = 'List your exports with list_exports to find its id.';
  end if;
  return found_export;
end
$$;

create function public.cancel_export(export_id uuid) returns public.export_summary
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports := exports._lock_visible_export(export_id);
begin
  if target.status not in ('queued', 'processing') then
    raise exception 'export % is %; only queued or processing exports can be canceled', export_id, target.status
      using errcode = 'EX021', hint = 'Delete it instead if you no longer want it.';
  end if;
  update exports.exports e set status = 'canceled', finished_at = now(), lease_owner = null, lease_expires_at = null
  where e.id = target.id
  returning * into target;
  return exports._summary(target);
end
$$;
comment on function public.cancel_export is
  'Cancels a queued or processing export the caller may see; a canceled export is never completed. Errors: EX020, EX021.';

create function public.delete_export(export_id uuid) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports := exports._lock_visible_export(export_id);
begin
  if target.status in ('queued', 'processing') then
    update exports.exports e set status = 'canceled', finished_at = now(), lease_owner = null, lease_expires_at = null
    where e.id = target.id;
  end if;
  update exports.exports e set deleted_at = now() where e.id = target.id;
end
$$;
comment on function public.delete_export is
  'Deletes an export the caller may see: it disappears from lists at once (a running one is canceled) and its file is purged by the cleanup. Errors: EX020.';

create function public.record_export_download(export_id uuid)
returns table (storage_bucket text, storage_path text, file_name text, content_type text, expires_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports := exports._lock_visible_export(export_id);
begin
  if target.status <> 'completed' or target.expires_at <= now() then
    raise exception 'export % is %; only completed exports can be downloaded', export_id,
      case when target.status = 'completed' then 'past its expiry' else target.status end
      using errcode = 'EX022', hint = 'Wait until it is completed, or request a new export.';
  end if;
  update exports.exports e set download_count = e.download_count + 1, last_downloaded_at = now()
  where e.id = target.id;
  return query select target.storage_bucket, target.storage_path, target.file_name, target.content_type,
    target.expires_at;
end
$$;
comment on function public.record_export_download is
  'Records a download of a completed export the caller may see and returns where its file is, for the exports API to sign a short-lived link. Errors: EX020, EX022.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function public.request_export(text, text, jsonb, text, uuid, text),
  public.list_exports(text, text, text, timestamptz, timestamptz, int, uuid),
  public.get_export(uuid), public.list_export_events(uuid), public.cancel_export(uuid),
  public.delete_export(uuid), public.record_export_download(uuid)
  from public, anon, authenticated, service_role;
grant execute on function public.request_export(text, text, jsonb, text, uuid, text),
  public.list_exports(text, text, text, timestamptz, timestamptz, int, uuid),
  public.get_export(uuid), public.list_export_events(uuid), public.cancel_export(uuid),
  public.delete_export(uuid), public.record_export_download(uuid)
  to authenticated;

revoke execute on all functions in schema exports from public, anon;
-- What the public RPCs call as the caller.
grant execute on function exports._summary(exports.exports), exports._require_user(),
  exports._check_request(text, text, jsonb, uuid, text), exports._replay_request(text, text, jsonb, text, uuid, text),
  exports._enqueue_export(text, text, jsonb, text, uuid, text, bigint), exports._lock_visible_export(uuid),
  exports._refuse_over_quota(int),
  exports._validate_options(exports.sources, jsonb), exports._is_of_option_type(jsonb, text),
  exports._row_limit(exports.sources, text), exports._source_options(jsonb, uuid)
  to authenticated;
