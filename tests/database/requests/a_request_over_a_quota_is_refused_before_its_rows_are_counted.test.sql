-- A caller over a quota gets EX010 or EX011 before any row is counted: the count of a request with a
-- row limit may read as many rows as the limit, which a refused request must not cost.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.register_uncounted_source();
-- A row limit of the source's own for XLSX: its requests count their rows.
update exports.sources set row_limits = '{"xlsx": 1000}' where name = 'uncounted';
update exports.settings set max_active_exports_per_user = 1, max_exports_per_day = 2;

select exports_tests.request_as('owner') as first \gset
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'xlsx') $$,
  'EX010', 'you already have 1 exports queued or running; the limit is 1',
  'at the active quota, an XLSX request is refused before its rows are counted');

select exports_tests.clear_authentication();
update exports.exports set status = 'canceled', finished_at = now() where export_id = :'first';
select exports_tests.request_as('owner') as second \gset
update exports.exports set status = 'canceled', finished_at = now() where export_id = :'second';
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'xlsx') $$,
  'EX011', 'you have requested 2 exports in the last 24 hours; the limit is 2',
  'so it is at the daily quota');

select exports_tests.clear_authentication();
update exports.settings set max_exports_per_day = 3;
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'uncounted', format => 'xlsx') $$,
  'P0001', 'counted', 'under both quotas, the request counts its rows');

select * from finish();
rollback;
