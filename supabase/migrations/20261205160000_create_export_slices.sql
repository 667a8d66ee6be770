-- Exports of any size: an export runs as one or more slices, each a claim of
-- its own that writes a fixed range of the export's rows, uploads what it
-- wrote and records a checkpoint, then hands the export back to the queue.
-- Every slice reads one consistent snapshot: the rows are staged once, as
-- the user, into an unlogged table of the schema exports_staging, which the
-- slices read by position. A file past the part limit in force is written as
-- numbered parts, each complete on its own. See ARCHITECTURE.md, "Slices".
--
-- This file holds the tables and the vocabulary; the functions follow in
-- the migrations after it.

-- ============================================================================
-- schema
-- ============================================================================

-- The staged rows, one unlogged table per export being written, named by its
-- export id and owned by the worker's role. authenticated has USAGE so that
-- the staging insert can run as the user; it never holds a privilege on a
-- table once the staging transaction has committed.
create schema exports_staging;
comment on schema exports_staging is
  'The staged rows of exports being written, one unlogged table per export (see exports.stage_export).';
revoke all on schema exports_staging from public;
grant usage on schema exports_staging to authenticated;

-- ============================================================================
-- settings, formats, sources, exports
-- ============================================================================

-- Storage's global file size limit on the Free plan.
alter table exports.settings
  add column max_part_bytes bigint default 52428800 check (max_part_bytes > 0);
comment on column exports.settings.max_part_bytes is
  'The largest file the worker writes: a bigger export is written as numbered parts. Null: no limit of the module''s own (the bucket''s and the source''s or request''s still apply).';

-- slice_bytes: what one slice aims to write, and slice_rows the most rows
-- it writes; rows_per_slice is fixed from them at staging
-- (exports.stage_export). sliced_kinds: the statement kinds in
-- which the format's writer can stop after any row and resume from its
-- state; a format written otherwise (a PDF, a Parquet file, txt's aligned
-- tables: laid out from all their rows at once) is written in one slice.
alter table exports.formats
  add column slice_bytes bigint not null default 16777216 check (slice_bytes > 0),
  add column slice_rows bigint not null default 100000 check (slice_rows > 0),
  add column sliced_kinds text[] not null default '{}'
    check (sliced_kinds <@ array['copy_csv', 'copy_text', 'cursor']);
comment on column exports.formats.slice_bytes is
  'The bytes of output one slice of an export aims at (half of it gzipped): its rows per slice are this over the staged rows'' average width.';
comment on column exports.formats.slice_rows is
  'The most rows one slice of an export writes: a slice''s CPU goes by its rows as well as its bytes.';
comment on column exports.formats.sliced_kinds is
  'The statement kinds in which the format''s writer resumes from a checkpoint; in any other, one slice writes every row.';
update exports.formats f set slice_bytes = v.slice_bytes, sliced_kinds = v.kinds
from (values
  ('csv', 16777216, array['copy_csv']),
  ('json', 16777216, array['copy_text']),
  ('jsonl', 16777216, array['copy_text']),
  ('markdown', 16777216, array['copy_text']),
  ('html', 16777216, array['copy_text']),
  ('xlsx', 4194304, array['cursor']),
  ('txt', 16777216, array['copy_text'])
) as v(name, slice_bytes, kinds)
where f.name = v.name;

alter table exports.sources
  add column max_part_bytes bigint check (max_part_bytes >= 65536);
comment on column exports.sources.max_part_bytes is
  'The largest part file of the source''s exports, in bytes (see exports.set_max_part_bytes); null: the settings'' and the bucket''s limits alone.';

-- max_part_bytes: the request's own part limit. parts: the parts stored so
-- far, on the row every summary reads. staged_attempt: the attempt that
-- first staged its rows; the attempts before it may have stored whole files
-- of their own, the claims after it are slices that store parts
-- (exports._export_paths).
alter table exports.exports
  add column max_part_bytes bigint check (max_part_bytes >= 65536),
  add column parts int not null default 0 check (parts >= 0),
  add column staged_attempt int check (staged_attempt >= 1);
comment on column exports.exports.staged_attempt is
  'The attempt that first staged the export''s rows: its files are parts from then on; null while it is not staged.';
comment on column exports.exports.max_part_bytes is
  'The largest part file the request asked for, in bytes; null: the source''s, the settings'' and the bucket''s limits alone.';
comment on column exports.exports.parts is
  'The part files stored so far: 1 for an export written as one file.';

-- ============================================================================
-- checkpoints and parts
-- ============================================================================

-- One row per staged export, written in the transaction that records each
-- slice's progress. writer_state and upload_state are the worker's, opaque
-- here: the file writer's state between slices and the unfinished upload of
-- the current part.
create table exports.export_checkpoints (
  export_id uuid primary key references exports.exports (export_id) on delete cascade,
  -- exports_staging."<export_id>"; null once the staged rows are dropped.
  staging_table text,
  staged_rows bigint not null check (staged_rows >= 0),
  -- Markdown and HTML tables: the header chunk is staged at position 0.
  has_header boolean not null,
  -- How the staged rows are read: copy_csv, copy_text or cursor.
  statement_kind text not null check (statement_kind in ('copy_csv', 'copy_text', 'cursor')),
  rows_per_slice bigint not null check (rows_per_slice > 0),
  -- The first row not yet written: slices write [next_position,
  -- next_position + rows_per_slice - 1].
  next_position bigint not null check (next_position >= 1),
  slices_done int not null default 0 check (slices_done >= 0),
  part int not null default 1 check (part >= 1),
  part_first_position bigint not null default 1 check (part_first_position >= 1),
  writer_state jsonb,
  upload_state jsonb,
  -- The report of a report layout, computed as the user with the staged rows.
  report jsonb,
  -- Failed claims since the checkpoint last moved: at max_attempts the export
  -- fails as slice_keeps_failing.
  stuck_attempts int not null default 0 check (stuck_attempts >= 0),
  updated_at timestamptz not null default now(),
  check (next_position <= staged_rows + 1),
  check (part_first_position <= next_position)
);
comment on table exports.export_checkpoints is
  'Where each staged export stands: its staged rows, its rows per slice, the next row to write, the current part, and the file writer''s and upload''s state between slices.';

create table exports.export_parts (
  export_id uuid not null references exports.exports (export_id) on delete cascade,
  part int not null check (part >= 1),
  storage_path text not null,
  size bigint not null check (size >= 0),
  first_position bigint not null check (first_position >= 1),
  last_position bigint not null check (last_position >= first_position - 1),
  row_count bigint not null check (row_count >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  primary key (export_id, part)
);
comment on table exports.export_parts is
  'The finished part files of each export written in slices: path, size, row range and sha256, in order.';

-- Unfinished uploads the worker could no longer continue (the staging of
-- their export was lost and the export starts again), waiting for it to
-- delete them through Storage.
create table exports.abandoned_uploads (
  id bigint generated always as identity primary key,
  export_id uuid not null,
  storage_bucket text not null,
  storage_path text not null,
  upload_state jsonb not null,
  abandoned_at timestamptz not null default now()
);
comment on table exports.abandoned_uploads is
  'Unfinished uploads left by exports that started again from staging, waiting for the worker to delete them through Storage (exports.uploads_to_abort).';

alter table exports.export_checkpoints enable row level security;
alter table exports.export_parts enable row level security;
alter table exports.abandoned_uploads enable row level security;
revoke all on exports.export_checkpoints, exports.export_parts, exports.abandoned_uploads
  from public, anon, authenticated, service_role;
grant select on exports.export_checkpoints, exports.export_parts, exports.abandoned_uploads to service_role;

-- ============================================================================
-- vocabulary
-- ============================================================================

insert into exports.error_codes (sqlstate, name, http_status, description) values
  ('EX014', 'invalid_part_size', 400,
   'The max_part_bytes of a request is not a whole number of bytes from 65536 up.');

insert into exports.failure_codes (code, message, retryable, recorded_by, description) values
  ('slice_keeps_failing',
   'This export stopped making progress: its writing failed again and again at row {position} of {rows}. '
   'Narrow it down so that it leaves out that row (a shorter date range, a filter){or_csv}, or request it '
   'again later.',
   false, 'database',
   'A staged export of several slices failed at the same checkpoint (its writer failed, or its lease ran out) as many times as it has attempts (exports.fail_export, exports.cleanup_expired_exports).');

-- ============================================================================
-- types
-- ============================================================================

-- staged: the rows are staged and checkpoint holds where the export stands;
-- part_limit_bytes: the largest part file in force; sliceable: whether the
-- format's writer resumes from a checkpoint (else one slice writes it all).
alter type exports.claimed_export
  add attribute staged boolean,
  add attribute checkpoint jsonb,
  add attribute part_limit_bytes bigint,
  add attribute sliceable boolean;
comment on type exports.claimed_export is
  'Everything the worker needs to run one claimed export: the user''s claims, the statement to run as them, where the file goes, the most rows the file may hold (null: no limit), whether its rows are staged (then its checkpoint), the largest part file in force and whether its format is written in slices.';

-- parts: stored so far; eta_seconds: the time left at the rate so far.
alter type public.export_summary
  add attribute parts int,
  add attribute eta_seconds int;
