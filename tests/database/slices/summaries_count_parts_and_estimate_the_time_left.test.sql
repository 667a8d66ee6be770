-- A summary shows the rows written and the exact rows expected across slices, the parts stored so far, and an
-- estimate of the seconds left at the rate so far: null while nothing is written, and once the export ends.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset

select exports_tests.authenticate_as('owner');
select is(public.get_export(:'id') -> 'eta_seconds', 'null'::jsonb, 'a queued export has no estimate');
select exports_tests.clear_authentication();

select exports_tests.stage(:'id');
-- It started ten seconds ago; its first slice writes half its rows.
update exports.exports set started_at = now() - interval '10 seconds' where export_id = :'id';
select exports.record_slice(:'id', 'worker-1', 1, '{"next_position": 6, "part": 2, "part_first_position": 6}',
  ('[{"part": 1, "size": 42, "first_position": 1, "last_position": 5, "row_count": 5, "sha256": "' || repeat('ab', 32) || '"}]')::jsonb);

select exports_tests.authenticate_as('owner');
select results_eq($$ select (s ->> 'rows_written')::int, (s ->> 'rows_expected')::int, (s ->> 'parts')::int, (s ->> 'eta_seconds')::int
                     from public.get_export($$ || quote_literal(:'id') || $$) s $$,
  $$ values (5, 10, 1, 10) $$, 'half the rows in ten seconds: ten seconds left, one part stored');
select is((public.list_exports() -> 'exports' -> 0 ->> 'eta_seconds')::int, 10, 'list_exports shows the same estimate');
select exports_tests.clear_authentication();

select exports_tests.claim(:'id');
select exports.complete_sliced_export(:'id', 'worker-1', 2,
  ('[{"part": 2, "size": 40, "first_position": 6, "last_position": 10, "row_count": 5, "sha256": "' || repeat('cd', 32) || '"}]')::jsonb);
select exports_tests.authenticate_as('owner');
select is(public.get_export(:'id') -> 'eta_seconds', 'null'::jsonb, 'a completed export has no estimate');
select is((public.get_export(:'id') ->> 'parts')::int, 2, 'and counts both its parts');

select * from finish();
rollback;
