-- Nobody may change or remove an export event, not even the table's owner; a cancellation is logged too.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'id');
select exports_tests.clear_authentication();

select is((select count(*)::int from exports.export_events where export_id = :'id' and event = 'canceled'), 1,
  'the cancellation is logged');
select throws_ok(format($$ update exports.export_events set event = 'completed' where export_id = %L $$, :'id'),
  '42501', 'export events are append-only', 'the owner of the table cannot rewrite an event');
select throws_ok(format($$ delete from exports.export_events where export_id = %L $$, :'id'),
  '42501', 'export events are append-only', 'the owner of the table cannot delete an event');
select throws_ok('truncate exports.export_events', '42501', 'export events are append-only', 'nor truncate the log');

select * from finish();
rollback;
