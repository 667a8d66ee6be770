-- A heartbeat from the lease holder extends the lease and records progress; any other worker is told to stop.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

select is(exports.heartbeat(export_id => :'id', worker_id => 'worker-1', rows_written => 500, lease_seconds => 300), true,
  'the lease holder''s heartbeat is accepted');
select is((select lease_expires_at from exports.exports where export_id = :'id'), now() + interval '300 seconds',
  'the lease is extended by lease_seconds');
select is((select rows_written from exports.exports where export_id = :'id'), 500::bigint, 'progress is recorded');
select is(exports.heartbeat(export_id => :'id', worker_id => 'worker-2'), false, 'another worker''s heartbeat is refused');

select * from finish();
rollback;
