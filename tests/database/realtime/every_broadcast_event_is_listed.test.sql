-- An export's life sends exactly the events exports.broadcast_events lists, no name it lacks and none it never uses.
begin;
select plan(1);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
delete from realtime.messages;
update exports.settings set file_retention = interval '-1 second';

-- Requested, started, progress, completed, then expired by the cleanup, then deleted.
select exports_tests.request_as('owner') as done_id \gset
select exports_tests.claim(:'done_id');
set local session_replication_role = replica;
update exports.exports set updated_at = now() - interval '1 second' where export_id = :'done_id';
set local session_replication_role = origin;
select exports.heartbeat(export_id => :'done_id', worker_id => 'worker-1', rows_written => 2);
select exports.complete_export(export_id => :'done_id', worker_id => 'worker-1', file_size => 42,
  checksum_sha256 => repeat('ab', 32), row_count => 3);
select exports.cleanup_expired_exports();
select exports_tests.authenticate_as('owner');
select public.delete_export(:'done_id');
select exports_tests.clear_authentication();

-- Retried, then failed for good.
select exports_tests.request_as('owner') as failed_id \gset
update exports.exports set max_attempts = 2 where export_id = :'failed_id';
select exports_tests.claim(:'failed_id');
select exports.fail_export(export_id => :'failed_id', worker_id => 'worker-1', error_code => 'worker_error');
update exports.exports set next_run_at = now() where export_id = :'failed_id';
select exports_tests.claim(:'failed_id');
select exports.fail_export(export_id => :'failed_id', worker_id => 'worker-1', error_code => 'worker_error');

-- Canceled.
select exports_tests.request_as('owner') as canceled_id \gset
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'canceled_id');
select exports_tests.clear_authentication();

select set_eq('select distinct event from realtime.messages', 'select name from exports.broadcast_events',
  'the events sent over an export''s life are the ones exports.broadcast_events lists');

select * from finish();
rollback;
