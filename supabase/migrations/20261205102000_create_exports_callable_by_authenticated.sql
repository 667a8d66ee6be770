-- The functions signed-in users may call, named once: the client RPCs of
-- public and the few functions of exports they run as the caller. The grants
-- tests and scripts/doctor compare the catalog's privileges with this list, so
-- a function opened to authenticated without being named here is a finding.

-- ============================================================================
-- functions
-- ============================================================================

-- A function rather than a table: the list changes with the code, in a
-- migration that replaces it, and needs no rows kept across upgrades.
create or replace function exports.callable_by_authenticated()
returns table (signature text, procedure regprocedure, reason text)
language sql
stable
set search_path = ''
as $$
  select l.signature, pg_catalog.to_regprocedure(l.signature), l.reason
    from (values
      ('public.request_export(text,text,jsonb,text,uuid,text,boolean)', 'client RPC'),
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

comment on function exports.callable_by_authenticated() is
  'The functions authenticated may execute: each signature, its function (null when it does not exist) and why. Nothing else in public or exports may be executable by a client role.';

-- ============================================================================
-- grants
-- ============================================================================

-- For the module's owner and its checks only; the schema's default privileges
-- already keep it from public.
revoke execute on function exports.callable_by_authenticated() from public, anon, authenticated;
