-- A slice handing its export back to the queue, and the claim of the next slice, are progress: the audit log
-- records no retry and no new start, and Realtime broadcasts progress (at most once a second), not retried
-- and started.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');
delete from realtime.messages;
-- The export's last write a second ago, written without the triggers that would stamp it now.
set local session_replication_role = replica;
update exports.exports set updated_at = now() - interval '1 second' where export_id = :'id';
set local session_replication_role = origin;

select exports.record_slice(:'id', 'worker-1', 1, '{"next_position": 6, "part": 1, "part_first_position": 1}');
select exports_tests.claim(:'id');

select results_eq(format('select event from exports.export_events where export_id = %L order by id', :'id'),
  $$ values ('requested'), ('started') $$, 'the audit log shows one start and no retry');
select results_eq('select event, (payload -> ''export'' ->> ''rows_written'')::int from realtime.messages order by inserted_at',
  $$ values ('progress', 5) $$, 'the hand-back is broadcast as progress, the next claim not at all');

select exports.fail_export(:'id', 'worker-1', 'worker_error', 2);
select is((select event from exports.export_events where export_id = :'id' order by id desc limit 1), 'retried',
  'a failed slice is still a retry');

select * from finish();
rollback;
