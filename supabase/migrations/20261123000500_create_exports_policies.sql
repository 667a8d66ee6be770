-- Who may read what: RLS on every module table, and table privileges that let
-- no client write any of them (every write goes through a function).

alter table exports.settings enable row level security;
alter table exports.formats enable row level security;
alter table exports.sources enable row level security;
alter table exports.scope_members enable row level security;
alter table exports.exports enable row level security;
alter table exports.export_events enable row level security;
alter table exports.usage enable row level security;
alter table exports.request_claims enable row level security;

-- ============================================================================
-- policies
-- ============================================================================

create policy "Formats are visible to signed-in users" on exports.formats
  for select to authenticated using (true);

create policy "Sources are visible to signed-in users" on exports.sources
  for select to authenticated using (true);

create policy "Members see their own scope memberships" on exports.scope_members
  for select to authenticated using (user_id = (select auth.uid()));

-- Deleted exports disappear for everyone; only the cleanup still sees them.
-- A scope's export belongs to the scope: its requester sees it as long as
-- they are a member, like everyone else, and not after they leave (its file
-- holds the scope's data).
create policy "Exports are visible to their owner and the members of their scope" on exports.exports
  for select to authenticated using (
    deleted_at is null
    and (
      (scope_id is null and owner_id = (select auth.uid()))
      -- = any (array(...)), not in (select ...): an array is one value, so the
      -- planner can OR two index scans (owner, scope); a sub-select turns the OR
      -- into a filter on a sequential scan.
      or scope_id = any (array(select m.scope_id from exports.scope_members m where m.user_id = (select auth.uid())))
    )
  );

-- Reads through exports.exports, so its policy above decides.
create policy "Events are visible to those who may see their export" on exports.export_events
  for select to authenticated using (export_id in (select e.export_id from exports.exports e));

create policy "Users see their own usage" on exports.usage
  for select to authenticated using (user_id = (select auth.uid()));

-- ============================================================================
-- grants
-- ============================================================================

revoke all on exports.settings, exports.formats, exports.sources, exports.scope_members, exports.exports,
  exports.export_events, exports.usage, exports.request_claims
  from public, anon, authenticated, service_role;

grant select on exports.formats, exports.sources, exports.scope_members, exports.exports,
  exports.export_events, exports.usage
  to authenticated, service_role;
grant select on exports.settings, exports.request_claims to service_role;
