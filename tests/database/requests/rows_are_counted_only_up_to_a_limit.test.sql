-- A request counts rows only up to one past a bound: its row limit where the format has one, else
-- small_export_rows, without the source's count function (which counts them all). A request never
-- costs a scan of all the user's rows, and rows_expected keeps a count only where it is exact or a
-- row limit needs it.
begin;
select plan(8);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.register_uncounted_source();
select exports_tests.add_items('owner', 25);
update exports.settings set small_export_rows = 100, max_active_exports_per_user = 10;

select exports_tests.authenticate_as('owner');
select is((select rows_expected from public.request_export(source => 'test_items', format => 'csv')), 25::bigint,
  'a CSV request with no more rows than small_export_rows keeps their exact count');
select exports_tests.clear_authentication();
update exports.settings set small_export_rows = 10;
select exports_tests.authenticate_as('owner');
select is((select rows_expected from public.request_export(source => 'test_items', format => 'jsonl')), null,
  'past small_export_rows, counting stops one row past it and rows_expected is left null');
select lives_ok($$ select public.request_export(source => 'uncounted', format => 'csv') $$,
  'a CSV request, with no row limit to check, does not run the source''s count function');
select exports_tests.clear_authentication();
update exports.sources set row_limits = '{"xlsx": 1000}' where name = 'uncounted';
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'xlsx') $$,
  'P0001', 'counted', 'an XLSX request with a row limit (the source''s) does');
select exports_tests.clear_authentication();
update exports.settings set small_export_rows = 0;
select exports_tests.authenticate_as('owner');
select is((select rows_expected from public.request_export(source => 'test_items', format => 'csv')), null,
  'with small_export_rows 0, a request without a row limit counts nothing');
select exports_tests.clear_authentication();
update exports.settings set small_export_rows = 10;

select exports_tests.create_scope('owner') as scope \gset
update exports_tests.items set scope_id = :'scope';
select exports_tests.authenticate_as('owner');
-- test_shared_items allows 10 rows in PDF and has no count function.
select throws_ok(format($$ select public.request_export(source => 'test_shared_items', format => 'pdf', scope => %L) $$, :'scope'),
  'EX012', 'source ''test_shared_items'' allows at most 10 rows in format ''pdf''; this export has at least 11',
  'without a count function, counting stops one row past the limit (25 rows, 11 counted)');
select exports_tests.clear_authentication();
delete from exports_tests.items where ctid in (select ctid from exports_tests.items limit 15);
select exports_tests.authenticate_as('owner');
select is((select rows_expected from public.request_export(source => 'test_shared_items', format => 'pdf', scope => :'scope')),
  10::bigint, 'within the limit the count is exact');
select is((select rows_expected from public.request_export(source => 'test_shared_items', format => 'csv', scope => :'scope')),
  10::bigint, 'and so is a count within small_export_rows');

select * from finish();
rollback;
