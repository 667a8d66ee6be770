-- XLSX past one sheet, and slices sized for an edge function's CPU.
--
-- An XLSX export is written in slices as workbooks of as many sheets as its
-- rows need (a new sheet after 1,048,575 rows), so the format's row cap goes:
-- only a source's own row_limits bound it.
--
-- A slice's rows are also capped by the format's slice_rows. A slice costs the worker per row as well as per
-- byte (reading each COPY row or cursor row, the writer's framing), so narrow
-- rows under slice_bytes alone would make slices of hundreds of thousands of
-- rows, more CPU than an instance has. The figures are bench/slices' (see
-- BENCHMARKS.md, "Sliced exports"): a slice in a fresh instance stays well
-- under the Free plan's 1 s of CPU before it stops taking work.

-- ============================================================================
-- formats
-- ============================================================================

update exports.formats set row_cap = null,
  description = 'An Excel workbook: a sheet holds 1048575 rows below its header, then the next sheet goes on.'
where name = 'xlsx';

alter table exports.formats
  add column slice_rows bigint not null default 100000 check (slice_rows > 0);
comment on column exports.formats.slice_rows is
  'The most rows one slice of an export writes, whatever their width: with slice_bytes, what keeps a slice''s CPU within an edge function''s.';

update exports.formats f set slice_bytes = v.slice_bytes, slice_rows = v.slice_rows
from (values
  ('csv', 8388608, 100000),
  ('json', 8388608, 50000),
  ('jsonl', 8388608, 50000),
  ('markdown', 8388608, 50000),
  ('html', 8388608, 50000),
  ('txt', 8388608, 50000),
  ('xlsx', 4194304, 30000)
) as v(name, slice_bytes, slice_rows)
where f.name = v.name;

-- ============================================================================
-- functions
-- ============================================================================

-- As before, with the rows per slice capped by the format's slice_rows.
create or replace function exports._stage_end(export_id uuid, worker_id text, attempt int, staged bigint, report jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  target exports.exports;
  staging text := pg_catalog.format('exports_staging.%I', export_id);
  built record;
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
  if staged > built.row_limit then
    execute pg_catalog.format('drop table %s', staging);
    update exports.exports e set status = 'failed', finished_at = now(), lease_owner = null,
      lease_expires_at = null, error_code = 'too_many_rows',
      error_message = exports._failure_message('too_many_rows', target.source, target.format, built.row_limit)
    where e.id = target.id;
    return null;
  end if;

  -- Slices read ranges of positions in order: the primary key serves both,
  -- and the statistics let the planner see it.
  execute pg_catalog.format('alter table %s add primary key (_position)', staging);
  execute pg_catalog.format('analyze %s', staging);
  -- The service role may read the rows as the worker does.
  execute pg_catalog.format('grant select on table %s to service_role', staging);

  select f.slice_bytes / case target.compression when 'gzip' then 2 else 1 end, f.slice_rows,
         built.statement_kind = any (f.sliced_kinds)
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
  'The last step of exports.stage_export: revokes the staging grant, checks the row limit, indexes the positions and records the checkpoint, its rows per slice within the format''s slice_bytes and slice_rows.';
