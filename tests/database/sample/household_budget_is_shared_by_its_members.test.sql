-- A household's budget is readable and writable by its members only, and its membership is mirrored into the exports scope.
begin;
select plan(7);

select exports_tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
insert into sample.households (id, name, created_by) values
  ('40000000-0000-4000-8000-0000000000f1', 'Test flat', exports_tests.user_id('owner'));
insert into sample.household_members (household_id, user_id) values
  ('40000000-0000-4000-8000-0000000000f1', exports_tests.user_id('member'));
insert into sample.budget_categories (id, household_id, name, kind) values
  ('40000000-0000-4000-8000-0000000000c1', '40000000-0000-4000-8000-0000000000f1', 'Rent', 'expense');
insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on) values
  ('40000000-0000-4000-8000-0000000000f1', '40000000-0000-4000-8000-0000000000c1', 'March', -900, '2026-03-01');

select set_eq($$ select user_id from exports.scope_members where scope_id = '40000000-0000-4000-8000-0000000000f1' $$,
  format('values (%L::uuid), (%L::uuid)', exports_tests.user_id('owner'), exports_tests.user_id('member')),
  'the creator and the member are members of the household''s exports scope');

select exports_tests.authenticate_as('member');
select is((select count(*)::int from sample.budget_line_items), 1, 'a member sees the household''s line items');
select lives_ok($$ insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on)
    values ('40000000-0000-4000-8000-0000000000f1', '40000000-0000-4000-8000-0000000000c1', 'April', -900, '2026-04-01') $$,
  'a member adds a line item');
select is((select status from public.request_export(source => 'budget', format => 'csv',
    scope => '40000000-0000-4000-8000-0000000000f1')), 'queued', 'a member requests an export of the household budget');

select exports_tests.authenticate_as('outsider');
select is_empty('select * from sample.budget_line_items where household_id = ''40000000-0000-4000-8000-0000000000f1''',
  'a non-member sees none of the household''s line items');
select throws_ok($$ insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on)
    values ('40000000-0000-4000-8000-0000000000f1', '40000000-0000-4000-8000-0000000000c1', 'x', 1, '2026-04-01') $$,
  '42501', null, 'a non-member cannot add a line item');

select exports_tests.clear_authentication();
delete from sample.household_members where user_id = exports_tests.user_id('member');
select is_empty($$ select * from exports.scope_members where user_id = exports_tests.user_id('member') $$,
  'a member who leaves the household leaves its exports scope');

select * from finish();
rollback;
