-- A lease that runs out returns the export to the queue (or fails it after the last attempt), and the old worker can no longer complete it.
begin;
select plan(7);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set default_max_attempts = 2;

select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id', 'dead-worker');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';

select is((exports.cleanup_expired_exports() ->> 'requeued')::int, 1, 'the cleanup requeues the export whose lease ran out');
select is((select status || ' ' || error_code from exports.exports where export_id = :'id'), 'queued lease_expired',
  'it is queued again, with the reason kept');
select is(exports.complete_export(export_id => :'id', worker_id => 'dead-worker', file_size => 1,
    checksum_sha256 => repeat('0', 64), row_count => 1), false, 'the worker that lost the lease cannot complete it');

select exports_tests.claim(:'id', 'another-worker');
select is((select attempt from exports.exports where export_id = :'id'), 2, 'another worker claims it for the second attempt');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select is((exports.cleanup_expired_exports() ->> 'failed')::int, 1, 'a lease lost on the last attempt fails the export');
select is((select status from exports.exports where export_id = :'id'), 'failed', 'it is failed for good');
select matches((select error_message from exports.exports where export_id = :'id'), 'narrow it down',
  'its message tells the user what to do: an export that dies every time is too big for the worker');

select * from finish();
rollback;
