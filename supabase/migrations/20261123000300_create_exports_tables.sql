-- The module's state: settings, the formats it writes, registered sources,
-- shared scopes, the exports themselves, their append-only event log and
-- per-user usage.

-- ============================================================================
-- settings
-- ============================================================================

create table exports.settings (
  singleton boolean primary key default true check (singleton),
  max_active_exports_per_user int not null default 5 check (max_active_exports_per_user > 0),
  max_exports_per_day int not null default 50 check (max_exports_per_day > 0),
  default_max_attempts int not null default 3 check (default_max_attempts between 1 and 20),
  retry_base_delay interval not null default '10 seconds',
  retry_max_delay interval not null default '10 minutes',
  -- A retry waits its delay plus up to this fraction of it more, so workers
  -- that failed together do not retry together.
  retry_jitter_ratio numeric not null default 0.25 check (retry_jitter_ratio between 0 and 1),
  file_retention interval not null default '7 days',
  record_retention interval not null default '90 days',
  event_retention interval not null default '365 days',
  -- Hosted only: the worker's URL for the pg_net wake-up call (see exports.wake_worker).
  worker_url text
);
comment on table exports.settings is
  'The module''s settings, one row: quotas, retries, retention and the worker URL.';
insert into exports.settings default values;

-- ============================================================================
-- formats
-- ============================================================================

-- SQL branches on these columns, not on a format's name (CSV is named only
-- where a hint suggests it): a new format is a row here and a writer in
-- functions/_shared/files.
create table exports.formats (
  name text primary key check (name ~ '^[a-z][a-z0-9]{0,15}$'),
  -- Where it comes in the lists hints show.
  position smallint not null unique,
  extension text not null check (extension ~ '^[a-z0-9]+$'),
  content_type text not null,
  -- How the worker reads the rows: copy_csv (COPY's own CSV), copy_text (one
  -- text chunk a row, which the worker frames) or cursor (rows, which the
  -- worker's writer lays out).
  statement_kind text not null check (statement_kind in ('copy_csv', 'copy_text', 'cursor')),
  -- How a copy_text statement renders one row as a chunk.
  row_chunk text check (row_chunk in ('json', 'markdown', 'html')),
  -- The source's optional function that writes the chunks itself instead of
  -- its rows function; a row limit does not apply to it.
  chunks_function text check (chunks_function in ('documents_function', 'markdown_function')),
  -- The most rows any file of the format holds, whatever the source allows.
  row_cap bigint check (row_cap > 0),
  description text not null,
  check ((statement_kind = 'copy_text') = (row_chunk is not null)),
  check (chunks_function is null or statement_kind = 'copy_text')
);
comment on table exports.formats is
  'The formats the module writes: file extension, media type, how the worker reads the rows, and the most rows a file holds.';

insert into exports.formats (name, position, extension, content_type, statement_kind, row_chunk, chunks_function,
  row_cap, description) values
  ('csv', 1, 'csv', 'text/csv; charset=utf-8', 'copy_csv', null, null, null,
   'Comma-separated values with a header line.'),
  ('json', 2, 'json', 'application/json', 'copy_text', 'json', 'documents_function', null,
   'One JSON array: a document a row, or the source''s own documents.'),
  ('jsonl', 3, 'jsonl', 'application/jsonl', 'copy_text', 'json', 'documents_function', null,
   'JSON Lines: a document a line, a row each or the source''s own documents.'),
  ('markdown', 4, 'md', 'text/markdown; charset=utf-8', 'copy_text', 'markdown', 'markdown_function', null,
   'A Markdown table, or the source''s own Markdown blocks.'),
  ('html', 5, 'html', 'text/html; charset=utf-8', 'copy_text', 'html', null, null,
   'An HTML document holding one table.'),
  ('xlsx', 6, 'xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'cursor', null, null,
   1048575, 'An Excel workbook of one sheet, which holds at most 1048575 rows below its header.'),
  ('pdf', 7, 'pdf', 'application/pdf', 'cursor', null, null, null,
   'A PDF report: the rows as a table, page after page.');

-- The format names for a hint: 'csv, json, ... and pdf'.
create function exports._format_names() returns text
language sql
stable
begin atomic
  select regexp_replace(string_agg(f.name, ', ' order by f.position), ', ([^,]*)$', ' and \1')
  from exports.formats f;
end;
comment on function exports._format_names is
  'The names of the formats, in order, as a hint lists them.';

-- ============================================================================
-- sources
-- ============================================================================

create table exports.sources (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  description text not null default '',
  -- Function signatures as text ('app.fn(jsonb)'), resolved with ::regprocedure
  -- when used: reg* columns would block pg_upgrade.
  rows_function text not null,
  documents_function text,
  markdown_function text,
  count_function text,
  -- Each one a name in exports.formats, which a trigger checks: an array
  -- column cannot hold a foreign key, and every request reads it whole.
  formats text[] not null check (cardinality(formats) > 0),
  -- format -> the most rows an export of that format may hold; a format's
  -- own row_cap (XLSX: a sheet's 1048575 rows) applies on top of this.
  row_limits jsonb not null default '{}' check (jsonb_typeof(row_limits) = 'object'),
  -- option name -> its type: 'date', 'timestamp', 'number', 'integer', 'text', 'text[]', 'boolean'.
  option_types jsonb not null default '{}' check (jsonb_typeof(option_types) = 'object'),
  requires_scope boolean not null default false,
  -- The default of its exports' defuse_formulas (see exports.exports).
  defuse_formulas boolean not null default false,
  registered_at timestamptz not null default now()
);
comment on table exports.sources is
  'Registered export sources: a security invoker function run as the requesting user, with its formats, limits and options.';

-- ============================================================================
-- scopes
-- ============================================================================

create table exports.scope_members (
  scope_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  primary key (scope_id, user_id)
);
comment on table exports.scope_members is
  'Who belongs to each shared scope (a household, a team): members may request, see and download the scope''s exports. Kept in sync by the app''s own membership triggers.';
create index scope_members_user_id_idx on exports.scope_members (user_id, scope_id);

-- ============================================================================
-- exports
-- ============================================================================

-- Export ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random
-- bits. A random (v4) id lands on a random leaf page of every index keyed by
-- it (exports_export_id_key, export_events_export_idx), for the request and
-- again for each new row version: after a checkpoint each such page costs a
-- full-page image in the WAL, and on a large table a cache miss. Ids made
-- together sit together. Postgres 18 has uuidv7(); this is the same layout
-- made from a v4 id: its first 48 bits replaced by the time, and its version
-- nibble turned from 4 (0100) into 7 (0111).
create function exports.uuid_v7() returns uuid
language sql
volatile
parallel safe
begin atomic
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid;
end;
comment on function exports.uuid_v7 is
  'A UUIDv7: Unix milliseconds, then random bits, so ids made together are neighbours in an index.';

-- An export is updated four to six times in its life (claim, heartbeats,
-- completion, downloads, expiry, purge). The free fifth of each page keeps a
-- new row version beside the old one: a status change dirties one heap page
-- instead of a page found through the free space map, and a change to no
-- indexed column (a download) can be a HOT update that writes no index.
--
-- Autovacuum runs after a thousand dead rows, however large the table, and
-- always cleans the indexes. A claimed export leaves a dead entry at the head
-- of exports_claim_idx, which every later claim reads past until a vacuum
-- removes it, so an empty claim grows slower with every claim before it. The
-- default threshold (a fifth of the table) waits far too long on a large
-- table, and a vacuum skips the indexes while few of its pages hold dead
-- entries, which claims packed together by fillfactor and UUIDv7 ids never
-- reach: so the table vacuums often, and always with index cleanup.
create table exports.exports (
  id bigint generated always as identity primary key,
  export_id uuid not null unique default exports.uuid_v7(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  scope_id uuid,
  source text not null references exports.sources (name) on update cascade,
  format text not null references exports.formats (name),
  compression text not null default 'none' check (compression in ('none', 'gzip')),
  -- CSV only: a text cell starting with =, +, -, @, tab or carriage return is
  -- written with a leading ' so that a spreadsheet shows it instead of
  -- running it as a formula (OWASP's "CSV Injection").
  defuse_formulas boolean not null default false,
  options jsonb not null default '{}' check (jsonb_typeof(options) = 'object'),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  priority smallint not null default 0,
  status text not null default 'queued'
    check (status in ('queued', 'processing', 'completed', 'failed', 'canceled', 'expired')),
  error_code text references exports.failure_codes (code),
  error_message text,
  attempt int not null default 0 check (attempt >= 0),
  max_attempts int not null check (max_attempts > 0),
  next_run_at timestamptz not null default now(),
  lease_owner text,
  lease_expires_at timestamptz,
  rows_written bigint,
  rows_expected bigint,
  row_count bigint,
  file_size bigint check (file_size >= 0),
  checksum_sha256 text check (checksum_sha256 ~ '^[0-9a-f]{64}$'),
  content_type text not null,
  file_name text not null,
  storage_bucket text not null default 'exports',
  -- The file of the latest attempt (see exports._attempt_path), a path inside
  -- the bucket, never a URL: links are minted on demand.
  storage_path text not null,
  expires_at timestamptz,
  download_count int not null default 0 check (download_count >= 0),
  last_downloaded_at timestamptz,
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  deleted_at timestamptz,
  purged_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((lease_owner is null) = (lease_expires_at is null)),
  check (status <> 'completed' or (file_size is not null and checksum_sha256 is not null and expires_at is not null))
) with (
  fillfactor = 80,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_scale_factor = 0,
  vacuum_index_cleanup = on
);
comment on table exports.exports is
  'One row per export request: what was asked, its lifecycle (queued, processing, completed, failed, canceled, expired), the lease, the stored file and its downloads.';

-- The requester's JWT claims as they asked (request.jwt.claims), one row per
-- export requested through request_export: the worker runs the export with
-- them, so RLS sees what it saw in the user's own requests, claims an access
-- token hook added and the session's aal included. A table of its own that
-- only the service role reads: a scope's export is visible to every member of
-- the scope, and the claims (email, metadata) are the requester's alone.
create table exports.request_claims (
  export_id uuid primary key references exports.exports (export_id) on delete cascade,
  claims jsonb not null check (jsonb_typeof(claims) = 'object')
);
comment on table exports.request_claims is
  'The JWT claims of the request behind each export, which the worker runs it with (see exports.claim_exports).';

-- Where attempt `attempt` of an export stores its file. Each attempt has a
-- path of its own: a worker that lost its lease but still runs (a hung
-- heartbeat, a network split) uploads and then, its completion refused,
-- removes only its own file, never the one a later attempt completed with.
-- The cleanup purges the paths of every attempt an export had.
create function exports._attempt_path(folder uuid, export_id uuid, attempt int, file_name text) returns text
language sql
immutable
parallel safe
begin atomic
  select pg_catalog.format('%s/%s/%s/%s', folder, export_id, attempt, file_name);
end;
comment on function exports._attempt_path is
  'The path in the bucket of one attempt''s file: <scope or owner>/<export id>/<attempt>/<file name>.';

-- Every attempt's path, the first to the latest.
create function exports._attempt_paths(e exports.exports) returns text[]
language sql
immutable
parallel safe
begin atomic
  select array(
    select exports._attempt_path(coalesce(e.scope_id, e.owner_id), e.export_id, n, e.file_name)
    from generate_series(1, e.attempt) as n order by n);
end;
comment on function exports._attempt_paths is
  'The paths of the files an export''s attempts may have stored, first to latest.';

-- A user's history, newest first (list_exports, and the quotas' 24-hour count).
create index exports_owner_requested_idx on exports.exports (owner_id, requested_at desc);
-- A scope's history, for its members.
create index exports_scope_requested_idx on exports.exports (scope_id, requested_at desc) where scope_id is not null;
-- A repeated request finds the earlier one by its key; most requests have
-- none, and their writes skip this index.
create unique index exports_idempotency_key_idx on exports.exports (owner_id, idempotency_key)
  where idempotency_key is not null;
-- The worker's claim: queued work by priority then age, in the claim's own
-- order and with its whole filter, so the claim reads only the rows it takes.
create index exports_claim_idx on exports.exports (priority desc, next_run_at, id)
  where status = 'queued' and deleted_at is null;
-- The cleanup sweep: leases that ran out, completed files past expiry, files to purge.
create index exports_lease_idx on exports.exports (lease_expires_at) where status = 'processing';
create index exports_expiry_idx on exports.exports (expires_at) where status = 'completed';
-- Any export a worker started may have stored a file, recorded or not (a
-- worker that died after its upload, a completion lost in a crash): each one
-- that ends without a file to keep has its path purged.
create index exports_purge_idx on exports.exports (id)
  where purged_at is null and started_at is not null
    and (status in ('expired', 'failed', 'canceled') or (deleted_at is not null and status = 'completed'));
create index exports_source_idx on exports.exports (source);
-- format and error_code have no index: their tables' rows are never deleted
-- while exports use them, so no reader needs one, and every request would write it.
-- The retention prune: rows are inserted in request order and requested_at
-- never changes, so a BRIN index (a few pages, nothing to do on updates)
-- narrows the prune to the oldest part of the table instead of reading all
-- of it every minute.
create index exports_requested_brin_idx on exports.exports using brin (requested_at);

-- ============================================================================
-- events
-- ============================================================================

create table exports.export_events (
  id bigint generated always as identity primary key,
  -- No foreign key: the log outlives the rows it describes until its own retention.
  export_id uuid not null,
  owner_id uuid not null,
  scope_id uuid,
  event text not null check (event in (
    'requested', 'started', 'retried', 'completed', 'failed', 'canceled',
    'downloaded', 'expired', 'purged', 'deleted')),
  -- The user who caused it, or null when the worker or the cleanup did.
  actor_id uuid,
  actor_role text not null,
  detail jsonb not null default '{}',
  occurred_at timestamptz not null default now()
);
comment on table exports.export_events is
  'Append-only audit log of every export''s lifecycle, written by triggers; no role may change or remove an event.';
create index export_events_export_idx on exports.export_events (export_id, occurred_at);
-- The retention prune's range. Events arrive in time order, so a BRIN index
-- (a few pages, next to nothing to maintain per insert) finds old ones.
create index export_events_occurred_idx on exports.export_events using brin (occurred_at);

-- ============================================================================
-- usage
-- ============================================================================

create table exports.usage (
  user_id uuid primary key references auth.users (id) on delete cascade,
  active_exports int not null default 0 check (active_exports >= 0),
  exports_requested bigint not null default 0,
  exports_completed bigint not null default 0,
  bytes_exported bigint not null default 0,
  rows_exported bigint not null default 0,
  downloads bigint not null default 0,
  last_requested_at timestamptz,
  last_export_at timestamptz
);
comment on table exports.usage is
  'Per-user usage figures, maintained by triggers on exports.exports; the active-exports quota reads them.';
