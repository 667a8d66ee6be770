-- Cancels, deletions and downloads no longer wait for a staging. They lock an
-- export with exports._lock_visible_export, `for update`, which waits for
-- the `for key share` lock exports.stage_export holds on it while the rows
-- are staged (minutes for a large export), so a cancel took effect only once
-- the staging had ended. None of them changes the export's key, so
-- `for no key update` is the lock they need, and it does not wait for
-- staging; two of them still wait for each other.

-- ============================================================================
-- functions
-- ============================================================================

create or replace function exports._lock_visible_export(export_id uuid) returns exports.exports
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
  for no key update;
  if not found then
    raise exception 'export % does not exist or is not yours to see', export_id
      using errcode = 'EX020', hint = 'List your exports with list_exports to find its id.';
  end if;
  return found_export;
end
$$;
comment on function exports._lock_visible_export is
  'Locks an export the caller may see (for no key update, so that a staging''s key share lock does not hold it up) and returns it; EX020 when there is none.';
