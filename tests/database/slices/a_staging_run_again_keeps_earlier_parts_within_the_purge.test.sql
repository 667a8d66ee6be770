-- A staging run again after a crash forgets the parts recorded so far, and may write fewer: the purge still lists
-- the first run's parts, also once the export has completed with fewer, and they are removed with the export.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');
select exports.record_slice(:'id', 'worker-1', 1,
  '{"next_position": 9, "part": 5, "part_first_position": 9, "upload_state": null}',
  (select jsonb_agg(jsonb_build_object('part', n, 'size', 10, 'first_position', 2 * n - 1,
     'last_position', 2 * n, 'row_count', 2, 'sha256', repeat('ab', 32)))
   from generate_series(1, 4) n));
select format('truncate exports_staging.%I', :'id') \gexec
create temp table claimed as select * from exports_tests.claim(:'id');
select exports.stage_export(:'id', 'worker-1', (select attempt from claimed));

create temp view paths as
  select unnest(exports._export_paths(e)) as path from exports.exports e where e.export_id = :'id';
select is((select parts from exports.exports where export_id = :'id'), 0, 'the staging run again has no parts yet');
select ok(exports.part_path(:'id', 4) in (select path from paths), 'the first run''s last part is still listed');

select exports.complete_sliced_export(:'id', 'worker-1', (select attempt from claimed),
  jsonb_build_array(jsonb_build_object('part', 1, 'size', 90, 'first_position', 1, 'last_position', 10,
    'row_count', 10, 'sha256', repeat('cd', 32))));
select is((select parts from exports.exports where export_id = :'id'), 1, 'the export completes with one part');
select ok(exports.part_path(:'id', 4) in (select path from paths), 'and the purge still lists the first run''s four');

select * from finish();
rollback;
