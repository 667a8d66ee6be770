-- list_export_sources gives a signed-in caller what a request form needs: each source's formats, typed options,
-- scope requirement and limits; a caller who is not signed in is refused.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();

select exports_tests.authenticate_as('owner');
select ok(
  (select array_agg(s.name) from public.list_export_sources() s) @> array['test_items', 'test_shared_items'],
  'every registered source is listed');
select is(
  (select to_jsonb(s) - 'description' - 'formats' from public.list_export_sources() s where s.name = 'test_shared_items'),
  '{"name": "test_shared_items", "option_types": {}, "requires_scope": true, "defuse_formulas": false,
    "row_limits": {"pdf": 10}}'::jsonb,
  'a source comes with its scope requirement, formula default and row limits');
select is(
  (select s.option_types from public.list_export_sources() s where s.name = 'test_items'),
  '{"min": "integer"}'::jsonb,
  'a source comes with the type of each of its options');

select exports_tests.clear_authentication();
select exports_tests.authenticate_as_anon();
select throws_ok($$ select public.list_export_sources() $$, '42501', null, 'anon may not list the sources');

select * from finish();
rollback;
