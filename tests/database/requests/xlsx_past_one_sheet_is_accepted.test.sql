-- An XLSX export with more rows than one sheet holds is accepted (its workbooks go on in a next
-- sheet); a source's own limit for a format still refuses.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
-- Counting 1048576 real rows would be slow; a count function says how many there are.
create function exports_tests.huge_count(options jsonb) returns bigint
language sql stable security invoker set search_path = '' as $$ select 2000000::bigint $$;
grant execute on function exports_tests.huge_count(jsonb) to authenticated;
select exports.register_source(name => 'huge', rows_function => 'exports_tests.item_rows(jsonb)',
  count_function => 'exports_tests.huge_count(jsonb)', formats => array['csv', 'xlsx'], row_limits => '{"xlsx": 5000000}');

select exports_tests.authenticate_as('owner');
select lives_ok($$ select public.request_export(source => 'huge', format => 'xlsx') $$,
  'an XLSX export over one sheet''s 1048575 rows is accepted');
select lives_ok($$ select public.request_export(source => 'huge', format => 'csv') $$,
  'the same rows in CSV are accepted');

select exports_tests.clear_authentication();
select exports_tests.add_items('owner', 11);
select exports_tests.create_scope('owner') as scope \gset
update exports_tests.items set scope_id = :'scope';
select exports_tests.authenticate_as('owner');
select throws_ok(format($$ select public.request_export(source => 'test_shared_items', format => 'pdf', scope => %L) $$, :'scope'),
  'EX012', 'source ''test_shared_items'' allows at most 10 rows in format ''pdf''; this export has at least 11',
  'an export over the source''s own limit for a format is refused with EX012');

select * from finish();
rollback;
