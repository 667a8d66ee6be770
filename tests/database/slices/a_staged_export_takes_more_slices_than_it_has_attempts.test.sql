-- Each slice of a staged export is a claim of its own, but claims do not use up its attempts: an export of
-- max_attempts attempts runs more slices than that and completes.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 6);
select exports_tests.request_as('owner') as id \gset
update exports.exports set max_attempts = 2 where export_id = :'id';
select exports_tests.stage(:'id');

select exports.record_slice(:'id', 'worker-1', 1, '{"next_position": 3, "part": 1, "part_first_position": 1}');
select exports_tests.claim(:'id');
select exports.record_slice(:'id', 'worker-1', 2, '{"next_position": 5, "part": 1, "part_first_position": 1}');
select exports_tests.claim(:'id');
select exports.record_slice(:'id', 'worker-1', 3, '{"next_position": 6, "part": 1, "part_first_position": 1}');
select exports_tests.claim(:'id');

select is(exports.complete_sliced_export(:'id', 'worker-1', 4,
    ('[{"part": 1, "size": 60, "first_position": 1, "last_position": 6, "row_count": 6, "sha256": "' || repeat('cd', 32) || '"}]')::jsonb),
  true, 'the fourth claim of an export of two attempts completes it');
select results_eq(format('select status, row_count, attempt from exports.exports where export_id = %L', :'id'),
  $$ values ('completed', 6::bigint, 4) $$, 'the export is completed after four slices');

select * from finish();
rollback;
