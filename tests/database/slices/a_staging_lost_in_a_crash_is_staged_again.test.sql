-- A crash of Postgres empties unlogged tables: a staged export whose rows are gone is claimed as not staged, and
-- staging it again starts it over, forgetting its parts and listing its unfinished upload for deletion.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');
select exports.record_slice(:'id', 'worker-1', 1,
  '{"next_position": 6, "part": 2, "part_first_position": 5, "upload_state": {"url": "https://x/upload/resumable/abc", "offset": 7}}',
  ('[{"part": 1, "size": 42, "first_position": 1, "last_position": 4, "row_count": 4, "sha256": "' || repeat('ab', 32) || '"}]')::jsonb);
-- What crash recovery leaves of an unlogged table: an empty one.
select format('truncate exports_staging.%I', :'id') \gexec

create temp table claimed as select * from exports_tests.claim(:'id');
select results_eq('select staged, checkpoint from claimed', $$ values (false, null::jsonb) $$,
  'the export is claimed as not staged');
select is((exports.stage_export(:'id', 'worker-1', 2) ->> 'next_position')::int, 1, 'staging it again starts from row 1');
select is((select count(*)::int from exports.export_parts where export_id = :'id'), 0, 'its parts are forgotten');
select results_eq('select storage_path, upload_state from exports.uploads_to_abort()',
  format($$ values (%L, '{"url": "https://x/upload/resumable/abc", "offset": 7}'::jsonb) $$, exports.part_path(:'id', 2)),
  'its unfinished upload is listed for deletion');
select is(exports.record_uploads_aborted(array[:'id'::uuid]), 1, 'and forgotten once deleted');

select * from finish();
rollback;
