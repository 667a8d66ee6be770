-- What a client needs to build a request form: the sources it may export,
-- with their formats and typed options, and the shared scopes it belongs to.
-- Clients reach only public RPCs, and these tables live in schema exports.

-- ============================================================================
-- functions
-- ============================================================================

-- Reads as the caller: the sources' policy lets every signed-in user see them.
create function public.list_export_sources()
returns table (name text, description text, formats text[], option_types jsonb,
  requires_scope boolean, defuse_formulas boolean, row_limits jsonb)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform exports._require_user();
  return query
    select s.name, s.description, s.formats, s.option_types, s.requires_scope, s.defuse_formulas,
           s.row_limits
    from exports.sources s
    order by s.name;
end
$$;
comment on function public.list_export_sources is
  'The registered export sources: name, description, formats, option names and their types, whether a shared scope is required, the CSV formula default and row limits by format.';

-- Reads as the caller: the membership policy shows a user only their own rows.
create function public.list_export_scopes()
returns setof uuid
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform exports._require_user();
  return query
    select m.scope_id from exports.scope_members m
    where m.user_id = (select auth.uid())
    order by m.scope_id;
end
$$;
comment on function public.list_export_scopes is
  'The shared scopes (households, teams) the caller belongs to, whose exports they may request and see.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function public.list_export_sources(), public.list_export_scopes()
  from public, anon, authenticated, service_role;
grant execute on function public.list_export_sources(), public.list_export_scopes() to authenticated;
