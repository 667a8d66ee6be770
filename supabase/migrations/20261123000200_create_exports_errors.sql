-- The errors a caller of the module must act on: one SQLSTATE of class EX
-- each, listed once here so the exports API can map them to HTTP statuses.
-- Each row's name and http_status are the error code and status the API
-- answers with; functions/_shared/api/http_errors.ts holds the same pairs, and
-- tests/functions/exports_api_error_codes_test.ts keeps the two equal.
--
-- sqlstate | http | raised when
-- ---------+------+-----------------------------------------------------------
-- EX001    | 400  | the source is not registered
-- EX002    | 400  | the format is not one the module writes
-- EX003    | 422  | the source does not offer that format
-- EX004    | 400  | the options are malformed (unknown key, wrong type, bad range)
-- EX005    | 403  | the caller is not a member of the scope
-- EX006    | 400  | the source needs a scope and none was given, or takes none and one was
-- EX007    | 409  | an idempotency key is reused for a different request
-- EX008    | 401  | the caller is not signed in
-- EX010    | 429  | the caller has too many exports queued or running
-- EX011    | 429  | the caller has requested too many exports in the last 24 hours
-- EX012    | 422  | the export has more rows than the format or source allows
-- EX020    | 404  | the export does not exist or the caller may not see it
-- EX021    | 409  | the export's status does not allow the change
-- EX022    | 409  | the export has no file to download (not completed, or expired)
-- EX030    | 500  | a source registration is invalid (a developer error)

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
  ('EX004', 'invalid_options', 400, 'The options are malformed: an unknown key, a wrong type or an empty range.'),
  ('EX005', 'not_a_scope_member', 403, 'The caller is not a member of the scope.'),
  ('EX006', 'invalid_scope', 400, 'The source needs a scope and none was given, or takes none and one was.'),
  ('EX007', 'idempotency_key_reused', 409, 'The idempotency key was used before for a different request.'),
  ('EX008', 'not_signed_in', 401, 'The caller is not signed in.'),
  ('EX010', 'too_many_active_exports', 429, 'The caller has too many exports queued or running.'),
  ('EX011', 'daily_export_quota_reached', 429, 'The caller has requested too many exports in the last 24 hours.'),
  ('EX012', 'too_many_rows', 422, 'The export has more rows than the format or the source allows.'),
  ('EX020', 'export_not_found', 404, 'The export does not exist or the caller may not see it.'),
  ('EX021', 'invalid_status', 409, 'The export''s status does not allow the change.'),
  ('EX022', 'nothing_to_download', 409, 'The export has no file to download: it is not completed, or it expired.'),
  ('EX030', 'invalid_source', 500, 'A source registration is invalid.');

-- ============================================================================
-- policies and grants
-- ============================================================================

alter table exports.error_codes enable row level security;

create policy "Error codes are readable by signed-in users" on exports.error_codes
  for select to authenticated using (true);

revoke all on exports.error_codes from public, anon, authenticated, service_role;
grant select on exports.error_codes to authenticated, service_role;
