-- A request counts rows only where a row limit has to be checked, and then
-- only one row past it: a request never costs a scan of all the user's rows.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.register_uncounted_source();

select exports_tests.authenticate_as('owner');
select lives_ok($$ select public.request_export(source => 'uncounted', format => 'csv') $$,
  'a CSV request, with no row limit to check, does not count rows');
select is((select rows_expected from public.request_export(source => 'uncounted', format => 'jsonl')), null,
  'and leaves rows_expected null');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'xlsx') $$,
  'P0001', 'counted', 'an XLSX request, which has a row limit, counts');

select exports_tests.clear_authentication();
select exports_tests.add_items('owner', 25);
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

select * from finish();
rollback;
