-- record_slice records a slice only for the claim that holds the export (its worker and attempt), and then hands
-- the export back to the queue with its checkpoint and progress; the next claim resumes it where it stands.
begin;
select plan(14);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');

select is(exports.record_slice(:'id', 'worker-2', 1, '{"next_position": 4, "part": 1, "part_first_position": 1}'), false,
  'another worker''s slice is refused');
select is(exports.record_slice(:'id', 'worker-1', 2, '{"next_position": 4, "part": 1, "part_first_position": 1}'), false,
  'a slice of another claim of the same worker is refused');
select throws_ok(format($$ select exports.record_slice(%L, 'worker-1', 1, '{"next_position": 1, "part": 1, "part_first_position": 1}') $$, :'id'),
  '22023', null, 'a checkpoint that does not move forward is refused');
select is(exports.record_slice(:'id', 'worker-1', 1,
    '{"next_position": 4, "part": 2, "part_first_position": 3, "writer_state": {"crc": 7}, "upload_state": {"url": "u", "offset": 9}}',
    ('[{"part": 1, "size": 42, "first_position": 1, "last_position": 2, "row_count": 2, "sha256": "' || repeat('ab', 32) || '"}]')::jsonb),
  true, 'the claim''s own slice is recorded');

select results_eq(
  format('select status, lease_owner, rows_written, parts, error_code from exports.exports where export_id = %L', :'id'),
  $$ values ('queued', null::text, 3::bigint, 1, null::text) $$,
  'the export is back in the queue, unleased, with the rows written and the part stored');
select results_eq(
  format('select next_position, part, part_first_position, writer_state, upload_state, slices_done from exports.export_checkpoints where export_id = %L', :'id'),
  $$ values (4::bigint, 2, 3::bigint, '{"crc": 7}'::jsonb, '{"url": "u", "offset": 9}'::jsonb, 1) $$,
  'the checkpoint holds where the next slice starts and the writer''s and upload''s state');
select results_eq(format('select part, storage_path, row_count from exports.export_parts where export_id = %L', :'id'),
  format('values (1, %L, 2::bigint)', exports.part_path(:'id', 1)), 'the finished part is recorded at its path');
select ok((select next_run_at <= now() from exports.exports where export_id = :'id'), 'the next slice is due at once');

create temp table resumed as select * from exports_tests.claim(:'id', 'worker-3');
select results_eq('select staged, attempt, (checkpoint ->> ''next_position'')::bigint from resumed',
  $$ values (true, 2, 4::bigint) $$, 'the next claim finds the export staged, with its checkpoint');
select is((select rows_written from exports.exports where export_id = :'id'), 3::bigint, 'the claim keeps the progress');
select is(exports.record_slice(:'id', 'worker-1', 1, '{"next_position": 6, "part": 2, "part_first_position": 3}'), false,
  'the earlier claim can no longer record a slice');
select throws_ok(format($$ select exports.record_slice(%L, 'worker-3', 2, '{"next_position": 6, "part": 1, "part_first_position": 1}') $$, :'id'),
  '22023', null, 'a checkpoint whose part goes back is refused');
select is(exports.record_slice(:'id', 'worker-3', 2, '{"next_position": 6, "part": 2, "part_first_position": 3}'), true,
  'the new claim records the next slice');
select is((select slices_done from exports.export_checkpoints where export_id = :'id'), 2, 'two slices are done');

select * from finish();
rollback;
