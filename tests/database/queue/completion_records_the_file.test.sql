-- Completing an export records its file, row count and expiry, and frees its lease.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set file_retention = '3 days';
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

select is(exports.complete_export(export_id => :'id', worker_id => 'worker-1', file_size => 2048,
    checksum_sha256 => repeat('ab', 32), row_count => 17), true, 'the lease holder completes the export');
select is((select status from exports.exports where export_id = :'id'), 'completed', 'the export is completed');
select is((select (file_size, row_count, checksum_sha256)::text from exports.exports where export_id = :'id'),
  (2048::bigint, 17::bigint, repeat('ab', 32))::text, 'size, rows and checksum are recorded');
select is((select (expires_at, lease_owner)::text from exports.exports where export_id = :'id'),
  (now() + interval '3 days', null::text)::text, 'it expires after file_retention and holds no lease');

select * from finish();
rollback;
