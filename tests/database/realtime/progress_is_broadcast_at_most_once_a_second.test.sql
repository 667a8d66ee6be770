-- Progress is broadcast at most once per export per second: a heartbeat that records rows in a later second than the
-- export's previous write is broadcast with its figures, one in the same second is not.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');
delete from realtime.messages;

select exports.heartbeat(export_id => :'id', worker_id => 'worker-1', rows_written => 10);
select is((select count(*) from realtime.messages where event = 'progress'), 0::bigint,
  'a heartbeat in the same second as the claim broadcasts no progress');

-- The export's last write a second ago, written without the triggers that would stamp it now.
set local session_replication_role = replica;
update exports.exports set updated_at = now() - interval '1 second' where export_id = :'id';
set local session_replication_role = origin;

select exports.heartbeat(export_id => :'id', worker_id => 'worker-1', rows_written => 500);
select is((select count(*) from realtime.messages where event = 'progress'), 1::bigint,
  'a heartbeat in a later second broadcasts progress');
select is((select (payload -> 'export' ->> 'rows_written')::bigint from realtime.messages where event = 'progress'), 500::bigint,
  'the progress message carries the rows written');

select exports.heartbeat(export_id => :'id', worker_id => 'worker-1', rows_written => 900);
select is((select count(*) from realtime.messages where event = 'progress'), 1::bigint,
  'a second heartbeat within the same second broadcasts nothing more');

select * from finish();
rollback;
