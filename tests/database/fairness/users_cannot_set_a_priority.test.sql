-- Users cannot change a priority, not even their own export's: set_export_priority is the service
-- role's alone, request_export takes no priority, and clients cannot write the exports table.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as mine \gset

select ok(not has_function_privilege('authenticated', 'public.set_export_priority(uuid, int)', 'execute'),
  'authenticated may not call set_export_priority');
select ok(not has_function_privilege('anon', 'public.set_export_priority(uuid, int)', 'execute'),
  'nor may anon');
select ok(has_function_privilege('service_role', 'public.set_export_priority(uuid, int)', 'execute'),
  'the service role may');

select exports_tests.authenticate_as('owner');
select throws_ok(format($$ select public.set_export_priority(%L, 100) $$, :'mine'),
  '42501', null, 'the owner of an export is refused when they try to raise its priority');
select throws_ok(format($$ update exports.exports set priority = 100 where export_id = %L $$, :'mine'),
  '42501', null, 'and cannot write it to the exports table');
select exports_tests.clear_authentication();

select * from finish();
rollback;
