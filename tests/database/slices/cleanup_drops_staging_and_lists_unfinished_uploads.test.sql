-- Once a staged export is no longer queued or processing, the cleanup drops its staged rows; the purge lists
-- its parts' paths, and its unfinished upload is listed for the worker to delete through Storage, then forgotten.
begin;
select plan(8);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');
select exports.record_slice(:'id', 'worker-1', 1,
  '{"next_position": 6, "part": 2, "part_first_position": 5, "upload_state": {"url": "https://x/upload/resumable/abc", "offset": 7}}',
  ('[{"part": 1, "size": 42, "first_position": 1, "last_position": 4, "row_count": 4, "sha256": "' || repeat('ab', 32) || '"}]')::jsonb);

select is_empty('select * from exports.uploads_to_abort()', 'the upload of an export still running is not listed');
select exports_tests.claim(:'id');
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'id');
select exports_tests.clear_authentication();

select results_eq('select export_id, storage_bucket, storage_path, upload_state from exports.uploads_to_abort()',
  format($$ values (%L::uuid, 'exports', %L, '{"url": "https://x/upload/resumable/abc", "offset": 7}'::jsonb) $$,
    :'id', exports.part_path(:'id', 2)),
  'the canceled export''s unfinished upload is listed with its part''s path');
select is((exports.cleanup_expired_exports() ->> 'dropped_staging')::int, 1, 'the cleanup drops one export''s staged rows');
select is(to_regclass(format('exports_staging.%I', :'id')), null, 'the staging table is gone');
select is((select staging_table from exports.export_checkpoints where export_id = :'id'), null,
  'the checkpoint no longer names it');
select ok((select storage_paths @> array[exports.part_path(:'id', 1), exports.part_path(:'id', 2)]
           from exports.objects_to_purge() where export_id = :'id'),
  'the purge lists the stored part and the one being written');
select is(exports.record_uploads_aborted(array[:'id'::uuid]), 1, 'the worker records the upload deleted');
select is_empty('select * from exports.uploads_to_abort()', 'and it is no longer listed');

select * from finish();
rollback;
