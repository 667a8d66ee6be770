-- The storage quota at completion: a file that would take its owner's completed exports past the quota
-- fails the export (storage_quota_exceeded, not retried) and the worker is told it was not completed, so
-- it removes the file; within one call, the files before it count.
begin;
select plan(7);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
update exports.settings set storage_quota_bytes = 1000, max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as kept \gset
select exports_tests.request_as('owner') as too_big \gset
select exports_tests.request_as('other') as others \gset
update exports.exports set priority = 1 where export_id in (:'kept', :'too_big', :'others');

select exports_tests.authenticate_as_service_role();
select is((select count(*) from exports.claim_exports(worker_id => 'worker-1', max_exports => 3)), 3::bigint,
  'three exports are claimed');
select results_eq(
  format($$ select export_id, completed from exports.complete_exports('worker-1', %L::jsonb) order by export_id $$,
    jsonb_build_array(
      jsonb_build_object('export_id', :'kept', 'file_size', 600, 'checksum_sha256', repeat('ab', 32), 'row_count', 6),
      jsonb_build_object('export_id', :'too_big', 'file_size', 600, 'checksum_sha256', repeat('ab', 32), 'row_count', 6),
      jsonb_build_object('export_id', :'others', 'file_size', 600, 'checksum_sha256', repeat('ab', 32), 'row_count', 6))),
  format($$ values (%L::uuid, %L::boolean), (%L::uuid, %L::boolean), (%L::uuid, %L::boolean) order by 1 $$,
    :'kept', true, :'too_big', false, :'others', true),
  'of one owner''s two files of 600 bytes under a quota of 1000, the first is completed and the second is not');
select exports_tests.clear_authentication();

select is((select status from exports.exports where export_id = :'too_big'), 'failed',
  'the export over the quota fails');
select is((select error_code from exports.exports where export_id = :'too_big'), 'storage_quota_exceeded',
  'with its own failure code');
select is((select error_message from exports.exports where export_id = :'too_big'),
  'This export''s file (600 bytes) does not fit in your storage quota of 1000 bytes: your completed exports take '
  '600 bytes. Delete exports you no longer need (DELETE /exports/{id} in the exports API, or the delete_export RPC) '
  'and request it again.',
  'and a message that says how to free space');
select is((select stored_bytes from exports.usage where user_id = exports_tests.user_id('owner')), 600::bigint,
  'only the completed file counts toward the owner''s stored bytes');
select is((select stored_bytes from exports.usage where user_id = exports_tests.user_id('other')), 600::bigint,
  'another owner''s quota is their own');

select * from finish();
rollback;
