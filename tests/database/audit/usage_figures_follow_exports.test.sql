-- Per-user usage figures follow the exports: requested, active, completed, bytes, rows, downloads and the last export.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as a \gset
select exports_tests.request_as('owner') as b \gset
select exports_tests.request_as('owner');
select exports_tests.complete(:'a');
select exports_tests.complete(:'b');
select exports_tests.authenticate_as('owner');
select public.record_export_download(:'a');

select is((select (exports_requested, active_exports, exports_completed) from exports.usage),
  (3::bigint, 1, 2::bigint), 'three requested, one still active, two completed');
select is((select (bytes_exported, rows_exported, downloads) from exports.usage),
  (84::bigint, 6::bigint, 1::bigint), 'bytes, rows and downloads add up the completed exports');
select is((select last_export_at from exports.usage), now(), 'the last export time is recorded');

select * from finish();
rollback;
