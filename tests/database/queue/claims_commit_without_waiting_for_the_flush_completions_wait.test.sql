-- A claim's transaction commits without waiting for its WAL to reach the disk: a claim lost in a
-- crash leaves its exports queued. A completion's waits, as the server is configured (here: on).
begin;
select plan(2);

select tests.create_user('owner');
select tests.register_test_sources();
select tests.request_as('owner') as queued \gset

set local synchronous_commit = on;
select count(*) from exports.claim_exports(worker_id => 'worker-1', max_exports => 1);
select is(current_setting('synchronous_commit'), 'off', 'claim_exports turns synchronous_commit off for its transaction');

set local synchronous_commit = on;
select exports.complete_export(export_id => :'queued', worker_id => 'worker-1', file_size => 42,
  checksum_sha256 => repeat('ab', 32), row_count => 3);
select is(current_setting('synchronous_commit'), 'on', 'complete_export leaves it as it was');

select * from finish();
rollback;
