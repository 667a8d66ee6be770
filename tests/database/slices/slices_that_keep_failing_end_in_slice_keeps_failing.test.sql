-- A staged export's failures count only while it makes no progress: a retryable failure queues it again, a
-- slice that moves the checkpoint forgets the failures before it, and when its writer failed max_attempts
-- times at one checkpoint of an export of several slices, it fails for good as slice_keeps_failing, saying
-- at which row.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 3000);
select exports_tests.request_as('owner') as id \gset
update exports.formats set slice_rows = 1000 where name = 'csv';
select exports_tests.stage(:'id');
-- Each retry is claimed at once rather than after its backoff.
create function pg_temp.claim_now(export_id uuid) returns void language sql as $$
  update exports.exports set next_run_at = now() where export_id = claim_now.export_id;
  select exports_tests.claim(export_id);
$$;

select exports.fail_export(:'id', 'worker-1', 'worker_error', 1);
select pg_temp.claim_now(:'id');
select exports.fail_export(:'id', 'worker-1', 'worker_error', 2);
select is((select stuck_attempts from exports.export_checkpoints where export_id = :'id'), 2,
  'each failure without progress counts');
select pg_temp.claim_now(:'id');
select exports.record_slice(:'id', 'worker-1', 3, '{"next_position": 1235, "part": 1, "part_first_position": 1}');
select is((select stuck_attempts from exports.export_checkpoints where export_id = :'id'), 0,
  'a slice that moves the checkpoint forgets the failures before it');

select pg_temp.claim_now(:'id');
select is(exports.fail_export(:'id', 'worker-1', 'worker_error', 4), 'queued', 'a first failure at the new checkpoint is retried');
select pg_temp.claim_now(:'id');
select is(exports.fail_export(:'id', 'worker-1', 'worker_error', 5), 'queued', 'so is a second');
select pg_temp.claim_now(:'id');
select is(exports.fail_export(:'id', 'worker-1', 'worker_error', 6), 'failed', 'the third, max_attempts, fails the export');
select results_eq(format('select error_code, error_message from exports.exports where export_id = %L', :'id'),
  $$ values ('slice_keeps_failing', 'This export stopped making progress: its writing failed again and again at row 1,235 of '
    '3,000. Narrow it down so that it leaves out that row (a shorter date range, a filter), or request it again later.') $$,
  'it fails as slice_keeps_failing, naming the row it stopped at');

select * from finish();
rollback;
