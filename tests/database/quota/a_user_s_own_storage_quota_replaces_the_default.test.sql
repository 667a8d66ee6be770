-- exports.usage.storage_quota_bytes gives one user a storage quota of their own, at request time and
-- at completion; everyone else keeps exports.settings.storage_quota_bytes.
begin;
select plan(5);

select exports_tests.create_user(u) from unnest(array['roomy', 'ordinary']) u;
select exports_tests.register_test_sources();
update exports.settings set storage_quota_bytes = 100, max_active_exports_per_user = 10;

select exports_tests.request_as('roomy') as first \gset
update exports.usage set storage_quota_bytes = 5000 where user_id = exports_tests.user_id('roomy');
select exports_tests.request_as('ordinary') as other \gset
update exports.exports set priority = 1 where export_id in (:'first', :'other');

select exports_tests.authenticate_as_service_role();
select is((select count(*) from exports.claim_exports('worker-1', 2)), 2::bigint, 'both exports are claimed');
select results_eq(
  format($$ select export_id, completed from exports.complete_exports('worker-1', %L::jsonb) order by export_id $$,
    jsonb_build_array(
      jsonb_build_object('export_id', :'first', 'file_size', 1000, 'checksum_sha256', repeat('ab', 32), 'row_count', 1),
      jsonb_build_object('export_id', :'other', 'file_size', 1000, 'checksum_sha256', repeat('ab', 32), 'row_count', 1))),
  format($$ values (%L::uuid, %L::boolean), (%L::uuid, %L::boolean) order by 1 $$,
    :'first', true, :'other', false),
  'a file of 1000 bytes is completed under the user''s own quota of 5000, not under the default of 100');
select exports_tests.clear_authentication();
select is((select error_code from exports.exports where export_id = :'other'), 'storage_quota_exceeded',
  'the other user''s export fails under the default');

select exports_tests.authenticate_as('roomy');
select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'with 1000 of 5000 bytes stored, the user may request more');
select exports_tests.clear_authentication();
update exports.usage set storage_quota_bytes = 1000 where user_id = exports_tests.user_id('roomy');
select exports_tests.authenticate_as('roomy');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX013', null, 'and, their quota lowered to what they store, is refused');
select exports_tests.clear_authentication();

select * from finish();
rollback;
