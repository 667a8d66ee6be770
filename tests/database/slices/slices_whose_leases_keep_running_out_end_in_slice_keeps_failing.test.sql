-- A staged export of several slices whose slice's lease runs out (its worker died) is queued again by the
-- cleanup, counting a failure at its checkpoint, and fails as slice_keeps_failing once that happened
-- max_attempts times.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 5);
select exports_tests.request_as('owner') as id \gset
update exports.exports set max_attempts = 2 where export_id = :'id';
update exports.formats set slice_rows = 2 where name = 'csv';
select exports_tests.stage(:'id');

update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select is((exports.cleanup_expired_exports() ->> 'requeued')::int, 1, 'the cleanup queues the export again');
select results_eq(format('select e.status, e.error_code, c.stuck_attempts from exports.exports e '
    'join exports.export_checkpoints c using (export_id) where export_id = %L', :'id'),
  $$ values ('queued', 'lease_expired', 1) $$, 'with one failure at its checkpoint');

select exports_tests.claim(:'id');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select is((exports.cleanup_expired_exports() ->> 'failed')::int, 1, 'the second time, the cleanup fails it');
select is((select error_code from exports.exports where export_id = :'id'), 'slice_keeps_failing',
  'as slice_keeps_failing, not too_big_for_worker');

select * from finish();
rollback;
