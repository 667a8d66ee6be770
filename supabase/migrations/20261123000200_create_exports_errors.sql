-- The module's two lists of errors, each a table that the exports API, the
-- worker and ARCHITECTURE.md are checked against: exports.error_codes, the
-- SQLSTATEs of class EX a caller must act on, with the code and HTTP status
-- the exports API answers each with; and exports.failure_codes, the codes a
-- failed export carries.

-- ============================================================================
-- tables
-- ============================================================================

create table exports.error_codes (
  sqlstate text primary key check (sqlstate ~ '^EX[0-9A-Z]{3}$'),
  name text not null unique,
  http_status int not null check (http_status between 400 and 599),
  description text not null
);
comment on table exports.error_codes is
  'The SQLSTATEs of class EX the module raises, with the HTTP status the exports API answers them with.';

insert into exports.error_codes (sqlstate, name, http_status, description) values
  ('EX001', 'unknown_source', 400, 'The source is not registered.'),
  ('EX002', 'unknown_format', 400, 'The format is not one the module writes.'),
  ('EX003', 'format_not_offered', 422, 'The source does not offer that format.'),
  ('EX004', 'invalid_options', 400, 'The options are malformed (an unknown key, a wrong type, an empty range), or the compression or page size is.'),
  ('EX005', 'not_a_scope_member', 403, 'The caller is not a member of the scope.'),
  ('EX006', 'invalid_scope', 400, 'The source needs a scope and none was given, or takes none and one was.'),
  ('EX007', 'idempotency_key_reused', 409, 'The idempotency key was used before for a different request.'),
  ('EX008', 'not_signed_in', 401, 'The caller is not signed in (no sub claim).'),
  ('EX009', 'unknown_user', 401, 'The access token names no user of the project: one deleted since it was issued, or a sub that is not a user id.'),
  ('EX010', 'too_many_active_exports', 429, 'The caller has too many exports queued or running.'),
  ('EX011', 'daily_export_quota_reached', 429, 'The caller has requested too many exports in the last 24 hours.'),
  ('EX012', 'too_many_rows', 422, 'The export has more rows than the format (XLSX: 1048575) or the source allows.'),
  ('EX020', 'export_not_found', 404, 'The export does not exist or the caller may not see it.'),
  ('EX021', 'invalid_status', 409, 'The export''s status does not allow the change.'),
  ('EX022', 'nothing_to_download', 409, 'The export has no file to download: it is not completed, or it expired.'),
  ('EX030', 'invalid_source', 500, 'A source registration is invalid: a developer''s error, whose message stays in the log.');

-- ============================================================================
-- policies and grants
-- ============================================================================

alter table exports.error_codes enable row level security;

create policy "Error codes are readable by signed-in users" on exports.error_codes
  for select to authenticated using (true);

create table exports.failure_codes (
  code text primary key check (code ~ '^[a-z][a-z_]{0,62}$'),
  -- What the user reads. {source} is replaced by the source's name,
  -- {row_limit} by the row limit, and {or_csv} by a suggestion to choose CSV
  -- where CSV would hold the rows (see exports._failure_message).
  message text not null,
  -- Whether the export is queued again while it has attempts left.
  retryable boolean not null,
  -- Who records it: the worker through fail_export, or the database itself.
  recorded_by text not null check (recorded_by in ('worker', 'database')),
  description text not null
);
comment on table exports.failure_codes is
  'Every error_code a failed export attempt can carry, with the message its user reads and whether it is retried.';

insert into exports.failure_codes (code, message, retryable, recorded_by, description) values
  ('too_many_rows',
   'This export now has more than {row_limit} rows, the most it may hold; narrow it down (a date range, fewer rows){or_csv}.',
   false, 'worker', 'The source returned more rows than the format or the source allows.'),
  ('storage_unavailable',
   'The file could not be stored right now. Exports are retried a few times; if this one has failed, request it again later.',
   true, 'worker', 'Storage did not answer, or answered with a 5xx or 429.'),
  ('file_too_large', 'The file is larger than the storage bucket accepts; export fewer rows.',
   false, 'worker', 'Storage refused the file as larger than the bucket''s size limit.'),
  ('storage_rejected', 'The storage refused the file.',
   false, 'worker', 'Storage refused the upload for another reason.'),
  ('export_timeout', 'The export took too long; narrow it down (a date range, fewer rows).',
   false, 'worker', 'The source''s statement ran past the statement timeout.'),
  ('source_data_error', 'The data could not be exported: the source produced an invalid value.',
   false, 'worker', 'The source raised a data exception (SQLSTATE class 22).'),
  ('source_unavailable', 'The source of this export is not available to your account.',
   false, 'worker', 'The source raised a syntax or access error (SQLSTATE class 42), e.g. a missing grant.'),
  ('source_error', 'The source of this export reported an error while reading your data.',
   false, 'worker', 'The source raised an exception of its own (SQLSTATE class P0).'),
  ('worker_error',
   'The export was interrupted by a temporary fault. Exports are retried a few times; if this one has failed, request it again later.',
   true, 'worker', 'Anything else: a lost connection, a crash of the writer.'),
  ('lease_expired',
   'The worker stopped before finishing this export (it may have run out of time, memory or CPU). '
   'Exports are retried a few times; if this one has failed, narrow it down (a date range, fewer rows) '
   'or request it again later.',
   true, 'database', 'The worker''s lease ran out: it died or hung (exports.cleanup_expired_exports).'),
  ('invalid_source',
   'Exports of {source} cannot run at the moment: the app needs to fix how they are set up. '
   'Please contact the app''s support.',
   false, 'database', 'A function of the source was dropped or changed since it was registered: register it again (exports.claim_exports).');

alter table exports.failure_codes enable row level security;

create policy "Failure codes are readable by signed-in users" on exports.failure_codes
  for select to authenticated using (true);

revoke all on exports.error_codes, exports.failure_codes from public, anon, authenticated, service_role;
grant select on exports.error_codes, exports.failure_codes to authenticated, service_role;
