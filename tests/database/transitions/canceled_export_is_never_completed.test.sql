-- An export canceled while a worker runs it is never completed: heartbeat says stop and completion is refused.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();

select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

select exports_tests.authenticate_as('owner');
select is((select status from public.cancel_export(:'id')), 'canceled', 'the owner cancels a processing export');
select throws_ok(format($$ select public.cancel_export(%L) $$, :'id'), 'EX021',
  format('export %s is canceled; only queued or processing exports can be canceled', :'id'),
  'canceling it again is refused with EX021');
select exports_tests.clear_authentication();

select is(exports.heartbeat(export_id => :'id', worker_id => 'worker-1'), false, 'the worker''s heartbeat is told to stop');
select is(exports.complete_export(export_id => :'id', worker_id => 'worker-1', file_size => 1,
    checksum_sha256 => repeat('0', 64), row_count => 1), false, 'the worker''s completion is refused');
select is((select status from exports.exports where export_id = :'id'), 'canceled', 'the export stays canceled');

select * from finish();
rollback;
