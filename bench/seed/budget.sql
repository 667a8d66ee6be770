-- Household budgets for the XLSX and PDF figures (the budget source offers
-- them): a household of the large bench user with xlsx_rows line items, one
-- with pdf_rows, and one for each of other_users users with other_user_rows,
-- so RLS has other households to reject. Triggers are off while loading, so
-- memberships and the module's scope members are written here.
-- psql variables: xlsx_rows, pdf_rows, other_users, other_user_rows.

create temp table planned (household_id uuid, owner_id uuid, name text, line_items int);
insert into planned values
  ('00000000-0000-4000-8000-0000000b0001', '00000000-0000-4000-8000-00000000be00', 'Bench XLSX', :xlsx_rows),
  ('00000000-0000-4000-8000-0000000b0002', '00000000-0000-4000-8000-00000000be00', 'Bench PDF', :pdf_rows);
insert into planned
select md5('household:' || n)::uuid, bench.user_id(n), format('Household %s', n), :other_user_rows
from generate_series(1, :other_users) as n;

set maintenance_work_mem = '512MB';
call bench.drop_secondary_indexes(array['sample.budget_line_items']::regclass[]);
set session_replication_role = replica;

insert into sample.households (id, name, created_by) select household_id, name, owner_id from planned;
insert into sample.household_members (household_id, user_id, role)
select household_id, owner_id, 'owner' from planned;
insert into exports.scope_members (scope_id, user_id) select household_id, owner_id from planned;

insert into sample.budget_categories (id, household_id, name, kind)
select md5(p.household_id::text || ':' || k)::uuid, p.household_id, category.name, category.kind
from planned p,
     unnest(array['Salary', 'Rent', 'Groceries', 'Transport', 'Utilities', 'Leisure'],
            array['income', 'expense', 'expense', 'expense', 'expense', 'expense'])
       with ordinality as category(name, kind, k);

insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on, created_by)
select p.household_id, md5(p.household_id::text || ':' || (1 + n % 6))::uuid,
       format('%s #%s, "%s"', (array['Payslip', 'Rent', 'Supermarket', 'Train', 'Power', 'Cinema'])[1 + n % 6],
              n, substr(bench.lorem(), 1 + n % 200, 20 + n % 40)),
       round(((n::bigint * 7919) % 100000) / 100.0 * case when n % 6 = 0 then 1 else -1 end, 2),
       date '2020-01-01' + (n % 2190),
       p.owner_id
from planned p, generate_series(1, p.line_items) as n;

set session_replication_role = origin;
call bench.rebuild_indexes();
analyze sample.households;
analyze sample.household_members;
analyze sample.budget_categories;
analyze sample.budget_line_items;
analyze exports.scope_members;

-- The PDF report's baseline: the same rows through a source without a report,
-- which the worker writes as the plain grid.
select exports.register_source(name => 'budget_grid', rows_function => 'sample.budget_lines(jsonb)',
  count_function => 'sample.count_budget_lines(jsonb)', formats => array['pdf'],
  row_limits => '{"pdf": 5000}', option_types => '{"from": "date", "to": "date"}',
  requires_scope => true) \g /dev/null
