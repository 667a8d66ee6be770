-- An export whose source function no longer exists fails for good when claimed, and the other exports in the claim still run.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
create function exports_tests.doomed_rows(options jsonb) returns table (n int)
language sql stable security invoker set search_path = '' as $$ select 1 $$;
grant execute on function exports_tests.doomed_rows(jsonb) to authenticated;
select exports.register_source(name => 'doomed', rows_function => 'exports_tests.doomed_rows(jsonb)', formats => array['csv']);

select exports_tests.request_as('owner', source => 'doomed') as broken \gset
select exports_tests.request_as('owner') as healthy \gset
drop function exports_tests.doomed_rows(jsonb);

select results_eq($$ select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 10) $$,
  format('values (%L::uuid)', :'healthy'), 'the claim returns the healthy export only');
select is((select status || ' ' || error_code from exports.exports where export_id = :'broken'), 'failed invalid_source',
  'the export of the broken source fails for good');
select matches((select error_message from exports.exports where export_id = :'broken'),
  '^Exports of doomed cannot run at the moment: ', 'its error tells the user which exports cannot run');
select doesnt_match((select error_message from exports.exports where export_id = :'broken'),
  'register|function|exports\.', 'and keeps the developer''s side of it (the function, the fix) out of it');

select * from finish();
rollback;
