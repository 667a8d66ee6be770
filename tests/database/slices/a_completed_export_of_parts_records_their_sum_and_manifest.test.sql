-- complete_sliced_export records the last parts and completes the export from all of them: its size is their
-- sum, its row count the staged rows, its path part 1's, its checksum the one part's sha256 or, for several, the
-- sha256 of the manifest (a line <part>\t<size>\t<sha256>\n per part); parts that skip a number or leave rows
-- out are refused, and the staged rows are dropped.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
select exports_tests.request_as('owner') as single \gset
select exports_tests.stage(:'id');
select exports_tests.stage(:'single');

select throws_ok(format($$ select exports.complete_sliced_export(%L, 'worker-1', 1,
    '[{"part": 1, "size": 1, "first_position": 1, "last_position": 4, "row_count": 4, "sha256": "%s"},
      {"part": 3, "size": 1, "first_position": 5, "last_position": 10, "row_count": 6, "sha256": "%s"}]') $$,
    :'id', repeat('ab', 32), repeat('cd', 32)),
  '22023', null, 'parts that skip a number are refused');
select is(exports.complete_sliced_export(:'id', 'worker-1', 1, format(
    '[{"part": 1, "size": 100, "first_position": 1, "last_position": 4, "row_count": 4, "sha256": "%s"},
      {"part": 2, "size": 150, "first_position": 5, "last_position": 10, "row_count": 6, "sha256": "%s"}]',
    repeat('ab', 32), repeat('cd', 32))::jsonb), true, 'the export is completed');
select results_eq(format('select status, file_size, row_count, storage_path, checksum_sha256, parts from exports.exports where export_id = %L', :'id'),
  format('values (%L, 250::bigint, 10::bigint, %L, %L, 2)', 'completed', exports.part_path(:'id', 1),
    encode(sha256(convert_to(format(E'1\t100\t%s\n2\t150\t%s\n', repeat('ab', 32), repeat('cd', 32)), 'UTF8')), 'hex')),
  'size, rows, path and the manifest''s checksum are the parts''');
select is(to_regclass(format('exports_staging.%I', :'id')), null, 'the staged rows are dropped');

select throws_ok(format($$ select exports.complete_sliced_export(%L, 'worker-1', 1,
    '[{"part": 1, "size": 1, "first_position": 1, "last_position": 9, "row_count": 9, "sha256": "%s"}]') $$,
    :'single', repeat('ab', 32)),
  '22023', null, 'parts that leave a staged row out are refused');
select exports.complete_sliced_export(:'single', 'worker-1', 1, format(
  '[{"part": 1, "size": 90, "first_position": 1, "last_position": 10, "row_count": 10, "sha256": "%s"}]', repeat('ef', 32))::jsonb);
select is((select checksum_sha256 from exports.exports where export_id = :'single'), repeat('ef', 32),
  'the checksum of an export of one part is that part''s sha256');

select * from finish();
rollback;
