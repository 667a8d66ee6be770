-- A worker instance whose lease ran out while its run went on may claim the same export again:
-- given the claim's attempt, the old run's heartbeat, completion and failure are refused, though
-- its worker id still matches; the new claim's are not.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select exports.cleanup_expired_exports();
select is((exports_tests.claim(:'id')).attempt, 2, 'the same worker claims it again, as attempt 2');

select is(exports.heartbeat(export_id => :'id', worker_id => 'worker-1', attempt => 1), false,
  'the first claim''s heartbeat is refused');
select is(exports.fail_export(export_id => :'id', worker_id => 'worker-1', error_code => 'source_error',
    attempt => 1), 'processing',
  'its failure changes nothing');
select is((select completed from exports.complete_exports('worker-1', jsonb_build_array(jsonb_build_object(
    'export_id', :'id', 'file_size', 1, 'checksum_sha256', repeat('ab', 32), 'row_count', 1, 'attempt', 1)))),
  false, 'nor does its completion');
select is(exports.heartbeat(export_id => :'id', worker_id => 'worker-1', attempt => 2), true,
  'the second claim''s heartbeat keeps the lease');

select * from finish();
rollback;
