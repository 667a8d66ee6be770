-- Sample domain: households whose members share a budget (categories and line
-- items), and the `budget` export source (CSV, XLSX, a PDF report). This is the
-- shared-scope case: a household is an exports scope, kept in sync below.

-- ============================================================================
-- tables
-- ============================================================================

create table sample.households (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_by uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now()
);
comment on table sample.households is 'Sample app: a household (or team) whose members share a budget.';
create index households_created_by_idx on sample.households (created_by);

create table sample.household_members (
  household_id uuid not null references sample.households (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'member')),
  primary key (household_id, user_id)
);
comment on table sample.household_members is 'Sample app: who belongs to which household; mirrored into exports.scope_members.';
create index household_members_user_id_idx on sample.household_members (user_id, household_id);

create table sample.budget_categories (
  id uuid primary key default gen_random_uuid(),
  household_id uuid not null references sample.households (id) on delete cascade,
  name text not null,
  kind text not null check (kind in ('income', 'expense')),
  unique (household_id, name)
);
comment on table sample.budget_categories is 'Sample app: the categories of a household''s budget.';

create table sample.budget_line_items (
  id bigint generated always as identity primary key,
  household_id uuid not null references sample.households (id) on delete cascade,
  category_id uuid not null references sample.budget_categories (id) on delete cascade,
  description text not null,
  amount numeric(12, 2) not null,
  occurred_on date not null,
  created_by uuid default auth.uid() references auth.users (id) on delete set null
);
comment on table sample.budget_line_items is 'Sample app: the income and expenses of a household, by category.';
create index budget_line_items_household_idx on sample.budget_line_items (household_id, occurred_on);
create index budget_line_items_category_idx on sample.budget_line_items (category_id);
create index budget_line_items_created_by_idx on sample.budget_line_items (created_by);

-- ============================================================================
-- membership
-- ============================================================================

-- Security definer so that policies on household_members can ask it without
-- recursing into their own table's policies.
create function sample.is_household_member(household_id uuid, owner_only boolean default false) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select from sample.household_members m
    where m.household_id = is_household_member.household_id and m.user_id = (select auth.uid())
      and (not owner_only or m.role = 'owner'))
$$;
comment on function sample.is_household_member is 'Whether the caller belongs to the household (as its owner, when owner_only).';

-- The read policies' form of the same question. `(select is_household_member(household_id))`
-- takes its argument from the row, so it would run once a row and dominate a
-- large export. The caller's households are looked up once instead
-- (`= any (array(select ...))` is an init plan and an index condition).
create function sample.caller_household_ids() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.household_id from sample.household_members m where m.user_id = (select auth.uid())
$$;
comment on function sample.caller_household_ids is 'The households the caller belongs to.';

-- The creator of a household becomes its owner.
create function sample._add_household_owner() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into sample.household_members (household_id, user_id, role) values (new.id, new.created_by, 'owner');
  return null;
end
$$;

create trigger _100_add_household_owner after insert on sample.households
  for each row execute function sample._add_household_owner();

-- A household is an exports scope: its members may request, see and
-- download its exports. This keeps exports.scope_members in step.
create function sample._sync_scope_members() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    delete from exports.scope_members s where s.scope_id = old.household_id and s.user_id = old.user_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into exports.scope_members (scope_id, user_id) values (new.household_id, new.user_id)
    on conflict do nothing;
  end if;
  return null;
end
$$;

create trigger _100_sync_scope_members after insert or update or delete on sample.household_members
  for each row execute function sample._sync_scope_members();

-- ============================================================================
-- policies
-- ============================================================================

alter table sample.households enable row level security;
alter table sample.household_members enable row level security;
alter table sample.budget_categories enable row level security;
alter table sample.budget_line_items enable row level security;

-- Reads may cover many rows, so they ask for the caller's households once
-- (see sample.caller_household_ids); writes check the row they write.
create policy "Households are visible to their members" on sample.households
  for select to authenticated using (id = any (array(select sample.caller_household_ids())));
create policy "Users create households they own" on sample.households
  for insert to authenticated with check (created_by = (select auth.uid()));
create policy "Household owners rename their household" on sample.households
  for update to authenticated using ((select sample.is_household_member(id, owner_only => true)));
create policy "Household owners delete their household" on sample.households
  for delete to authenticated using ((select sample.is_household_member(id, owner_only => true)));

create policy "Members see who else is in their households" on sample.household_members
  for select to authenticated using (household_id = any (array(select sample.caller_household_ids())));
create policy "Household owners add members" on sample.household_members
  for insert to authenticated with check ((select sample.is_household_member(household_id, owner_only => true)));
create policy "Household owners change members' roles" on sample.household_members
  for update to authenticated using ((select sample.is_household_member(household_id, owner_only => true)));
create policy "Owners remove members and members leave" on sample.household_members
  for delete to authenticated using (
    user_id = (select auth.uid()) or (select sample.is_household_member(household_id, owner_only => true)));

create policy "Members see their households' categories" on sample.budget_categories
  for select to authenticated using (household_id = any (array(select sample.caller_household_ids())));
create policy "Members add categories" on sample.budget_categories
  for insert to authenticated with check ((select sample.is_household_member(household_id)));
create policy "Members change categories" on sample.budget_categories
  for update to authenticated using ((select sample.is_household_member(household_id)));
create policy "Members delete categories" on sample.budget_categories
  for delete to authenticated using ((select sample.is_household_member(household_id)));

create policy "Members see their households' line items" on sample.budget_line_items
  for select to authenticated using (household_id = any (array(select sample.caller_household_ids())));
create policy "Members add line items" on sample.budget_line_items
  for insert to authenticated with check ((select sample.is_household_member(household_id)));
create policy "Members change line items" on sample.budget_line_items
  for update to authenticated using ((select sample.is_household_member(household_id)));
create policy "Members delete line items" on sample.budget_line_items
  for delete to authenticated using ((select sample.is_household_member(household_id)));

revoke all on sample.households, sample.household_members, sample.budget_categories, sample.budget_line_items
  from public, anon, authenticated, service_role;
grant select, insert, update, delete
  on sample.households, sample.household_members, sample.budget_categories, sample.budget_line_items
  to authenticated, service_role;

-- ============================================================================
-- source functions (security invoker: RLS above decides what they return)
-- ============================================================================

-- SQL-standard bodies, for the reasons given in the conversations source.
-- Options: scope_id (the household, added by the module), from, to (dates, inclusive), category.
create function sample.budget_lines(options jsonb)
returns table (occurred_on date, category text, kind text, description text, amount numeric)
language sql
stable
security invoker
begin atomic
  select i.occurred_on, c.name, c.kind, i.description, i.amount
  from sample.budget_line_items i
  join sample.budget_categories c on c.id = i.category_id
  where i.household_id = (options ->> 'scope_id')::uuid
    and (options ->> 'from' is null or i.occurred_on >= (options ->> 'from')::date)
    and (options ->> 'to' is null or i.occurred_on <= (options ->> 'to')::date)
    and (options ->> 'category' is null or c.name = options ->> 'category')
  order by i.occurred_on, c.name, i.id;
end;
comment on function sample.budget_lines is 'Export source rows: a household''s budget line items with their category.';

create function sample.count_budget_lines(options jsonb) returns bigint
language sql
stable
security invoker
begin atomic
  select count(*) from sample.budget_line_items i
  join sample.budget_categories c on c.id = i.category_id
  where i.household_id = (options ->> 'scope_id')::uuid
    and (options ->> 'from' is null or i.occurred_on >= (options ->> 'from')::date)
    and (options ->> 'to' is null or i.occurred_on <= (options ->> 'to')::date)
    and (options ->> 'category' is null or c.name = options ->> 'category');
end;
comment on function sample.count_budget_lines is 'Counts the rows of sample.budget_lines without building them.';

revoke execute on function sample.is_household_member(uuid, boolean), sample.caller_household_ids(),
  sample._add_household_owner(),
  sample._sync_scope_members(), sample.budget_lines(jsonb), sample.count_budget_lines(jsonb)
  from public, anon;
grant execute on function sample.is_household_member(uuid, boolean), sample.caller_household_ids(),
  sample.budget_lines(jsonb),
  sample.count_budget_lines(jsonb)
  to authenticated;

-- ============================================================================
-- registration
-- ============================================================================

select exports.register_source(
  name => 'budget',
  description => 'A household''s shared budget: line items by category.',
  rows_function => 'sample.budget_lines(jsonb)',
  count_function => 'sample.count_budget_lines(jsonb)',
  formats => array['csv', 'xlsx', 'pdf'],
  -- A PDF report beyond a few thousand lines is not read by anyone.
  row_limits => '{"pdf": 5000}',
  option_types => '{"from": "date", "to": "date", "category": "text"}',
  requires_scope => true,
  -- Every member writes lines that every other member opens in a spreadsheet.
  defuse_formulas => true
);
