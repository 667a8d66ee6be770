-- The part limit on a claim is the least of the request's max_part_bytes, the source's, the bucket's file size
-- limit and the settings'; a request under 64 KiB is refused with EX014, and a repeated idempotency key must
-- repeat it.
begin;
select plan(7);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
select exports_tests.request_as('owner') as plain \gset
select exports_tests.authenticate_as('owner');
select export_id as asked from public.request_export('test_items', 'csv', max_part_bytes => 1048576) \gset
select throws_ok($$ select public.request_export('test_items', 'csv', max_part_bytes => 1000) $$, 'EX014', null,
  'a part limit under 64 KiB is refused');
select public.request_export('test_items', 'csv', idempotency_key => 'k', max_part_bytes => 2097152);
select throws_ok($$ select public.request_export('test_items', 'csv', idempotency_key => 'k', max_part_bytes => 1048576) $$,
  'EX007', null, 'a repeated key with another part limit is refused');
select exports_tests.clear_authentication();

select is((exports_tests.claim(:'plain')).part_limit_bytes, 52428800::bigint, 'by default, the settings'' 50 MiB');
select is((exports_tests.claim(:'asked')).part_limit_bytes, 1048576::bigint, 'a request''s smaller limit applies');

select exports.set_max_part_bytes('test_items', 524288);
update storage.buckets set file_size_limit = 300000 where id = 'exports';
select exports_tests.request_as('owner') as bucket \gset
select is((exports_tests.claim(:'bucket')).part_limit_bytes, 300000::bigint, 'the bucket''s smaller limit applies');
update storage.buckets set file_size_limit = null where id = 'exports';
select exports_tests.request_as('owner') as source \gset
select is((exports_tests.claim(:'source')).part_limit_bytes, 524288::bigint, 'the source''s smaller limit applies');
update exports.settings set max_part_bytes = null;
select exports.set_max_part_bytes('test_items', null);
select exports_tests.request_as('owner') as unlimited \gset
select is((exports_tests.claim(:'unlimited')).part_limit_bytes, null, 'with no limit set anywhere, there is none');

select * from finish();
rollback;
