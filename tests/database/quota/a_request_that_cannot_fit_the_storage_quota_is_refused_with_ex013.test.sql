-- The storage quota at request time: a user whose completed exports use it up is refused (EX013) before
-- any row is counted, and so is a request whose rows, at its format's low bytes-per-row estimate, cannot
-- fit in what is left; the message says how to free space. Deleting an export frees it at once.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.register_uncounted_source();
update exports.settings set storage_quota_bytes = 10000, max_active_exports_per_user = 10;
select exports_tests.add_items('owner', 100);

select exports_tests.request_as('owner') as done \gset
select exports_tests.claim(:'done');
select exports.complete_export(export_id => :'done', worker_id => 'worker-1', file_size => 10000,
  checksum_sha256 => repeat('ab', 32), row_count => 100);
select is((select stored_bytes from exports.usage where user_id = exports_tests.user_id('owner')), 10000::bigint,
  'a completed export''s file counts toward its owner''s stored bytes');

select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'csv') $$,
  'EX013',
  'your completed exports take 10000 bytes, all of your storage quota of 10000 bytes; delete exports you no longer '
  'need (DELETE /exports/{id} in the exports API, or the delete_export RPC) and request it again',
  'with the quota used up, a request is refused before its rows are counted');

select public.delete_export(:'done');
select exports_tests.clear_authentication();
select is((select stored_bytes from exports.usage where user_id = exports_tests.user_id('owner')), 0::bigint,
  'deleting the export frees its bytes at once');

-- 100 rows of CSV at 30 bytes each: at least 3000 bytes.
update exports.settings set storage_quota_bytes = 2999;
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX013',
  'this export needs at least 3000 bytes and your completed exports take 0 bytes of your storage quota of 2999 bytes; '
  'delete exports you no longer need (DELETE /exports/{id} in the exports API, or the delete_export RPC) and request it again',
  'a request whose counted rows cannot fit is refused');
select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv', compression => 'gzip') $$,
  'the same request gzipped, estimated at a tenth, fits');
select exports_tests.clear_authentication();
update exports.settings set storage_quota_bytes = 3000;
select exports_tests.authenticate_as('owner');
select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'a request that fits exactly is accepted');
select exports_tests.clear_authentication();

select * from finish();
rollback;
