-- Claims and completions, the queue's hot path, commit without waiting for their WAL to reach the
-- disk: a claim lost in a crash leaves its exports queued, a completion lost in a crash is redone
-- after the lease runs out. A failure, and the user's own requests, wait as the server is
-- configured (here: on).
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as completed \gset
select exports_tests.request_as('owner') as failed \gset

set local synchronous_commit = on;
select count(*) from exports.claim_exports(worker_id => 'worker-1', max_exports => 2);
select is(current_setting('synchronous_commit'), 'off', 'claim_exports turns synchronous_commit off for its transaction');

set local synchronous_commit = on;
select exports.complete_export(export_id => :'completed', worker_id => 'worker-1', file_size => 42,
  checksum_sha256 => repeat('ab', 32), row_count => 3);
select is(current_setting('synchronous_commit'), 'off', 'complete_export turns it off too');

set local synchronous_commit = on;
select exports.fail_export(export_id => :'failed', worker_id => 'worker-1', error_code => 'source_error');
select is(current_setting('synchronous_commit'), 'on', 'fail_export leaves it as it was');

select exports_tests.authenticate_as('owner');
select public.record_export_download(export_id => :'completed');
select is(current_setting('synchronous_commit'), 'on',
  'recording a download, which comes before any link to the file, leaves it on: its commit flushes the completion');
select exports_tests.clear_authentication();

select * from finish();
rollback;
