-- Staging: an export's rows, materialised once as its user into an unlogged
-- table, then read by position, slice after slice, by the worker's role.
-- The statement of one export is split in two so that staging can reuse it:
-- the row query (what COPY or the cursor reads) and how it is written.

-- ============================================================================
-- statements
-- ============================================================================

-- The row query of an export: one row per row of its file, in the file's
-- order, and how the worker reads it. query is null when a function of the
-- source no longer exists. header is the first chunk of a Markdown or HTML
-- table, which is not a row; copy_options the COPY options of a copy kind
-- (CSV's header apart). row_limit: see exports._build_statement.
create function exports._row_query(
  source exports.sources, format text, options jsonb, defuse_formulas boolean default false,
  out query text, out header text, out copy_options text, out statement_kind text, out row_limit bigint
)
language plpgsql
stable
set search_path = ''
as $$
declare
  rows_fn regprocedure := to_regprocedure(source.rows_function);
  rows_name text := exports._function_name(rows_fn);
  documents_fn regprocedure := to_regprocedure(source.documents_function);
  markdown_fn regprocedure := to_regprocedure(source.markdown_function);
  text_fn regprocedure := to_regprocedure(source.text_function);
  args text := pg_catalog.format('%L::jsonb', options);
  capped text;
  written_as exports.formats;
  chunks_fn regprocedure;
begin
  -- The request checked the row limit against a count, but rows can be added
  -- before the export runs: the query reads at most one row past the limit,
  -- and the export fails when it gets it.
  row_limit := exports._row_limit(source, format);
  capped := case when row_limit is not null then pg_catalog.format(' limit %s', row_limit + 1) else '' end;
  if rows_fn is null or (documents_fn is null and source.documents_function is not null)
     or (markdown_fn is null and source.markdown_function is not null)
     or (text_fn is null and source.text_function is not null) then
    return;
  end if;
  select * into written_as from exports.formats f where f.name = _row_query.format;
  chunks_fn := case written_as.chunks_function
    when 'documents_function' then documents_fn when 'markdown_function' then markdown_fn
    when 'text_function' then text_fn end;
  statement_kind := case when chunks_fn is not null then 'copy_text' else written_as.statement_kind end;
  copy_options := case statement_kind when 'copy_csv' then 'format csv' when 'copy_text' then '' end;
  case
    when written_as.statement_kind = 'copy_csv' then
      query := pg_catalog.format('select %s from %s(%s)%s%s',
        case when defuse_formulas then exports._defused_columns(rows_fn) else '*' end, rows_name, args,
        case when defuse_formulas then ' as r' else '' end, capped);
    when chunks_fn is not null then
      query := pg_catalog.format('select c.chunk::text from %s(%s) as c(chunk)', exports._function_name(chunks_fn), args);
    -- A subquery, not `from fn() as r`: for a function of one column, r would
    -- be that column's value rather than a row, and row_to_json(r) would not exist.
    when written_as.row_chunk = 'json' then
      query := pg_catalog.format('select row_to_json(r)::text from (select * from %s(%s)%s) as r', rows_name, args, capped);
    when written_as.row_chunk = 'markdown' then
      header := exports.markdown_header(exports._function_columns(rows_fn));
      query := pg_catalog.format('select exports.markdown_row(row_to_json(r)) from (select * from %s(%s)%s) as r',
        rows_name, args, capped);
    when written_as.row_chunk = 'html' then
      header := exports.html_header(exports._function_columns(rows_fn));
      query := pg_catalog.format('select exports.html_row(row_to_json(r)) from (select * from %s(%s)%s) as r',
        rows_name, args, capped);
    else
      query := pg_catalog.format('select * from %s(%s)%s', rows_name, args, capped);
  end case;
end
$$;
comment on function exports._row_query is
  'The row query of an export (one row per row of its file, in order), its header chunk, COPY options, statement kind and row limit.';

-- As before, built on the row query: the same statement text.
create or replace function exports._build_statement(
  source exports.sources, format text, options jsonb, defuse_formulas boolean default false,
  out statement text, out statement_kind text, out row_limit bigint
)
language plpgsql
stable
set search_path = ''
as $$
declare
  built record;
begin
  select * into built from exports._row_query(source, format, options, defuse_formulas);
  statement_kind := built.statement_kind;
  row_limit := built.row_limit;
  statement := case
    when built.query is null then null
    when built.statement_kind = 'copy_csv' then
      pg_catalog.format('copy (%s) to stdout with (%s, header)', built.query, built.copy_options)
    -- Markdown and HTML tables start with their header chunk: a UNION ALL
    -- that no parallel plan can reorder, so it is emitted first.
    when built.header is not null then
      pg_catalog.format('copy (select %L union all (%s)) to stdout', built.header, built.query)
    when built.statement_kind = 'copy_text' then pg_catalog.format('copy (%s) to stdout', built.query)
    else built.query
  end;
end
$$;

-- ============================================================================
-- part paths
-- ============================================================================

-- The file name of part `part`: the export's file name with -part-001
-- before its extension (.csv, .csv.gz).
create function exports._part_file_name(e exports.exports, part int) returns text
language sql
stable
begin atomic
  select pg_catalog.format('%s-part-%s%s',
      left(e.file_name, length(e.file_name) - length(x.suffix)),
      lpad(part::text, greatest(3, length(part::text)), '0'),
      x.suffix)
  from exports.formats f
  cross join lateral (select '.' || f.extension || case e.compression when 'gzip' then '.gz' else '' end as suffix) x
  where f.name = e.format;
end;
comment on function exports._part_file_name is
  'The file name of one part of an export: its file name with -part-001 (-part-002, ...) before the extension.';

-- Stable across slices and claims: a slice continues the upload of the part
-- the slice before it began.
create function exports.part_path(export_id uuid, part int) returns text
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.format('%s/%s/%s', coalesce(e.scope_id, e.owner_id), e.export_id, exports._part_file_name(e, part))
  from exports.exports e
  where e.export_id = part_path.export_id and part_path.part >= 1
$$;
comment on function exports.part_path is
  'The Storage path of part `part` of an export: <scope or owner>/<export id>/<file name>-part-001.<ext>. The same for every slice; an export of one part keeps it, and its link downloads under the export''s file name.';

-- ============================================================================
-- staging
-- ============================================================================

-- The staging's first step, as the module's owner: checks the claim, makes
-- way for the rows (a staging lost to a crash of Postgres, which empties
-- unlogged tables, is dropped, its parts forgotten and its unfinished upload
-- left for the worker to delete), creates the table and grants INSERT on it
-- to authenticated for the one statement that runs as the user: it stages
-- the rows and computes the report (if any) from one snapshot, the
-- statement's. Null when the export is not this claim's, or its source is
-- broken (it then fails).
create function exports._stage_begin(export_id uuid, worker_id text, attempt int,
  out staging text, out statement text, out claims jsonb)
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  built record;
begin
  -- No lock: heartbeats must extend the lease, and a cancel go through,
  -- while a large export stages; _stage_end locks the export and checks the
  -- claim again.
  select * into target from exports.exports e
  where e.export_id = _stage_begin.export_id;
  if not found or target.status <> 'processing' or target.lease_owner is distinct from worker_id
     or target.attempt <> _stage_begin.attempt or target.deleted_at is not null then
    return;
  end if;
  select * into built from exports.sources s
  cross join lateral exports._row_query(s, target.format, exports._source_options(target.options, target.scope_id),
    target.defuse_formulas)
  where s.name = target.source;
  if built.query is null then
    update exports.exports e set status = 'failed', finished_at = now(), lease_owner = null,
      lease_expires_at = null, error_code = 'invalid_source',
      error_message = exports._failure_message('invalid_source', target.source, target.format, null)
    where e.id = target.id;
    return;
  end if;

  insert into exports.abandoned_uploads (export_id, storage_bucket, storage_path, upload_state)
  select c.export_id, target.storage_bucket, exports.part_path(c.export_id, c.part), c.upload_state
  from exports.export_checkpoints c
  where c.export_id = target.export_id and c.upload_state is not null;
  delete from exports.export_checkpoints c where c.export_id = target.export_id;
  delete from exports.export_parts p where p.export_id = target.export_id;

  staging := pg_catalog.format('exports_staging.%I', target.export_id);
  if to_regclass(staging) is not null then
    execute pg_catalog.format('drop table %s', staging);
  end if;
  -- The row query is built by exports._row_query from quoted names and
  -- literals only (format's %I and %L, regproc names), never from a caller's
  -- text: plpgsql_check cannot see that through the record.
  perform 'PRAGMA:DISABLE:SECURITY_WARNINGS';
  if built.statement_kind = 'copy_text' then
    execute pg_catalog.format('create unlogged table %s (_position bigint not null, chunk text)', staging);
  else
    -- Planned, never run: the columns and types of the row query.
    execute pg_catalog.format(
      'create unlogged table %s as select 0::bigint as _position, q.* from (%s) as q with no data', staging, built.query);
  end if;
  perform 'PRAGMA:ENABLE:SECURITY_WARNINGS';
  if built.header is not null then
    execute pg_catalog.format('insert into %s (_position, chunk) values (0, %L)', staging, built.header);
  end if;
  execute pg_catalog.format('grant insert on table %s to authenticated', staging);
  -- One statement, one snapshot: the insert in WITH runs to its end, and the
  -- report reads what it read. The positions are numbered in the order the
  -- query yields its rows.
  statement := pg_catalog.format('with staged as (insert into %s select row_number() over (), q.* from (%s) as q) select (%s)',
    staging, built.query, coalesce(exports.report_statement(target.export_id), 'select null::jsonb'));
  claims := coalesce((select c.claims from exports.request_claims c where c.export_id = target.export_id), '{}')
    || jsonb_build_object('sub', target.owner_id, 'role', 'authenticated');
end
$$;
comment on function exports._stage_begin is
  'The first step of exports.stage_export: checks the claim and creates the staging table, insertable by authenticated until the transaction commits, and the statement that stages the rows and computes the report.';

-- The staging's last step, as the module's owner: revokes the grant, checks
-- the claim still holds the export (it was canceled, or its lease lost, while
-- it staged: the rows are dropped), fails an export past its row limit,
-- indexes the positions and records the checkpoint, with the rows each slice
-- writes: the format's slice_bytes over the staged rows' average width less a
-- heap tuple's overhead (header, line pointer, position), an estimate of the
-- bytes a row takes in the file, and at most the format's slice_rows (a
-- slice's CPU goes by rows as well as bytes). An export written in one slice
-- (its format's writer cannot resume, or it has a report, whose layout
-- covers every line) has all its rows in that slice.
create function exports._stage_end(export_id uuid, worker_id text, attempt int, report jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  staging text := pg_catalog.format('exports_staging.%I', export_id);
  built record;
  staged bigint;
  slice_bytes bigint;
  slice_rows bigint;
  sliceable boolean;
  row_width numeric;
  checkpoint exports.export_checkpoints;
begin
  execute pg_catalog.format('revoke insert on table %s from authenticated', staging);
  select * into target from exports.exports e
  where e.export_id = _stage_end.export_id
  for update;
  if not found or target.status <> 'processing' or target.lease_owner is distinct from worker_id
     or target.attempt <> _stage_end.attempt or target.deleted_at is not null then
    execute pg_catalog.format('drop table %s', staging);
    return null;
  end if;
  select * into built from exports.sources s
  cross join lateral exports._row_query(s, target.format, '{}', false)
  where s.name = target.source;

  -- Slices read ranges of positions in order: the primary key serves both,
  -- and the statistics let the planner see it. The rows are numbered from 1
  -- (a header from 0): the last position is their count.
  execute pg_catalog.format('alter table %s add primary key (_position)', staging);
  execute pg_catalog.format('select coalesce(max(_position), 0) from %s', staging) into staged;
  if staged > built.row_limit then
    execute pg_catalog.format('drop table %s', staging);
    update exports.exports e set status = 'failed', finished_at = now(), lease_owner = null,
      lease_expires_at = null, error_code = 'too_many_rows',
      error_message = exports._failure_message('too_many_rows', target.source, target.format, built.row_limit)
    where e.id = target.id;
    return null;
  end if;
  execute pg_catalog.format('analyze %s', staging);
  -- The service role may read the rows as the worker does.
  execute pg_catalog.format('grant select on table %s to service_role', staging);

  select f.slice_bytes / case target.compression when 'gzip' then 2 else 1 end, f.slice_rows,
         built.statement_kind = any (f.sliced_kinds) and report is null
    into slice_bytes, slice_rows, sliceable
  from exports.formats f where f.name = target.format;
  row_width := greatest(pg_catalog.pg_table_size(staging::regclass)::numeric / greatest(staged, 1) - 36, 1);

  insert into exports.export_checkpoints (export_id, staging_table, staged_rows, has_header, statement_kind,
    rows_per_slice, next_position, report)
  values (target.export_id, staging, staged, built.header is not null, built.statement_kind,
    case when sliceable then least(greatest(floor(slice_bytes / row_width), 1), slice_rows, greatest(staged, 1))::bigint
         else greatest(staged, 1) end,
    1, report)
  returning * into checkpoint;

  update exports.exports e set rows_expected = staged, rows_written = 0, parts = 0,
    staged_attempt = coalesce(e.staged_attempt, e.attempt)
  where e.id = target.id;
  return to_jsonb(checkpoint);
end
$$;
comment on function exports._stage_end is
  'The last step of exports.stage_export: revokes the staging grant, checks the claim and the row limit, indexes the positions and records the checkpoint.';

-- Security invoker: a security definer function cannot `set role`, and the
-- staging statement runs as the user (role authenticated, the claims of
-- their request), so RLS decides what is staged. It is the one statement
-- that uses the grant of exports._stage_begin, which exports._stage_end
-- revokes before the transaction commits: no other session can see the table
-- before then. Call it as the worker's role (a member of authenticated, as
-- the database owner is), in a read committed transaction of its own (the
-- rows and the report share the staging statement's snapshot; heartbeats
-- update the export meanwhile, which a repeatable read transaction could not
-- then update), with the statement timeout the export may take.
create function exports.stage_export(export_id uuid, worker_id text, attempt int) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  begun record;
  worker_role name := current_user;
  earlier_claims text := current_setting('request.jwt.claims', true);
  report jsonb;
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'stage_export runs in a read committed transaction; this one is %',
      current_setting('transaction_isolation')
      using errcode = 'invalid_transaction_state',
        hint = 'The staging statement reads the rows and the report from one snapshot of its own.';
  end if;
  begun := exports._stage_begin(export_id, worker_id, attempt);
  if begun.staging is null then
    return null;
  end if;
  perform set_config('request.jwt.claims', begun.claims::text, true);
  set local role authenticated;
  -- Built in SQL from quoted names and literals (exports._stage_begin,
  -- exports.report_statement), never from a caller's text: plpgsql_check
  -- cannot see that through the record.
  perform 'PRAGMA:DISABLE:SECURITY_WARNINGS';
  execute begun.statement into report;
  perform 'PRAGMA:ENABLE:SECURITY_WARNINGS';
  execute pg_catalog.format('set local role %I', worker_role);
  perform set_config('request.jwt.claims', coalesce(earlier_claims, ''), true);
  return exports._stage_end(export_id, worker_id, attempt, report);
end
$$;
comment on function exports.stage_export is
  'Stages a claimed export''s rows as its user into exports_staging."<export_id>" and returns its checkpoint (rows per slice, next position 1). Null: stop, the export is not this claim''s (canceled, deleted, lease lost) or it failed (too_many_rows, invalid_source). Call it as the worker''s role in a read committed transaction of its own.';

-- ============================================================================
-- slice statements
-- ============================================================================

-- Where a staged export's rows are, how they are read, and the select list
-- of its staged columns (every column but the position).
create function exports._staged_columns(export_id uuid)
returns table (staging_table text, statement_kind text, has_header boolean, columns text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  staging regclass;
begin
  select to_regclass(c.staging_table), c.statement_kind, c.has_header
    into staging, statement_kind, has_header
  from exports.export_checkpoints c where c.export_id = _staged_columns.export_id;
  if staging is null then
    raise exception 'export % has no staged rows', export_id
      using errcode = 'object_not_in_prerequisite_state', hint = 'Stage it first with exports.stage_export.';
  end if;
  staging_table := staging::text;
  select string_agg(pg_catalog.format('%I', a.attname), ', ' order by a.attnum) into columns
  from pg_catalog.pg_attribute a
  where a.attrelid = staging and a.attnum > 1 and not a.attisdropped;
  return next;
end
$$;
comment on function exports._staged_columns is
  'The staging table of a staged export, its statement kind, whether a header chunk is staged, and the select list of its staged columns.';

create function exports.slice_statement(export_id uuid, from_position bigint, to_position bigint) returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  staged record;
  rows text;
begin
  if from_position is null or to_position is null or from_position < 1 or to_position < from_position - 1 then
    raise exception 'a slice reads positions from 1 up, from_position to to_position; got % to %',
      from_position, to_position
      using errcode = 'invalid_parameter_value';
  end if;
  select * into staged from exports._staged_columns(export_id);
  rows := pg_catalog.format('select %s from %s where _position between %s and %s order by _position',
    staged.columns, staged.staging_table, from_position, to_position);
  return case staged.statement_kind
    when 'copy_csv' then pg_catalog.format('copy (%s) to stdout with (format csv)', rows)
    when 'copy_text' then pg_catalog.format('copy (%s) to stdout', rows)
    else rows
  end;
end
$$;
comment on function exports.slice_statement is
  'The statement that reads the staged rows from_position to to_position of an export, in order and without any header: a COPY for copy formats, a select for cursor formats. Run it as the worker''s role.';

create function exports.header_statement(export_id uuid) returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  staged record;
begin
  select * into staged from exports._staged_columns(export_id);
  return case
    when staged.statement_kind = 'copy_csv' then
      pg_catalog.format('copy (select %s from %s limit 0) to stdout with (format csv, header)',
        staged.columns, staged.staging_table)
    when staged.has_header then
      pg_catalog.format('copy (select chunk from %s where _position = 0) to stdout', staged.staging_table)
  end;
end
$$;
comment on function exports.header_statement is
  'The statement whose output is the header every part of an export starts with (CSV''s header line, a Markdown or HTML table''s header chunk), or null when its format has none.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports._row_query(exports.sources, text, jsonb, boolean),
  exports._part_file_name(exports.exports, int), exports.part_path(uuid, int),
  exports._stage_begin(uuid, text, int), exports._stage_end(uuid, text, int, jsonb),
  exports.stage_export(uuid, text, int), exports._staged_columns(uuid), exports.slice_statement(uuid, bigint, bigint),
  exports.header_statement(uuid)
  from public, anon, authenticated, service_role;
grant execute on function exports.part_path(uuid, int), exports.stage_export(uuid, text, int),
  exports.slice_statement(uuid, bigint, bigint), exports.header_statement(uuid)
  to service_role;
