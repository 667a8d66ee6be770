-- Rows added between a request and its run cannot slip past a row limit: the claimed
-- statement reads at most one row past it, and the claim says the limit so the worker can
-- fail the export when that row comes. Exports without a limit read everything.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner') as scope \gset
select exports_tests.add_items('owner', 10, :'scope');
-- test_shared_items allows 10 rows in PDF: the request counts 10, within the limit.
select exports_tests.request_as('owner', source => 'test_shared_items', format => 'pdf', scope => :'scope') as pdf \gset
select exports_tests.request_as('owner', source => 'test_shared_items', format => 'csv', scope => :'scope') as csv \gset
-- Then the user adds 15 more before the worker gets to the export.
select exports_tests.clear_authentication();
insert into exports_tests.items (owner_id, scope_id, n, label)
select exports_tests.user_id('owner'), :'scope', n, 'late' from generate_series(11, 25) n;

create function pg_temp.rows_read(statement text) returns int
language plpgsql as $$
declare
  counted int;
begin
  execute format('select count(*) from (%s) s', statement) into counted;
  return counted;
end
$$;

create temporary table claimed on commit drop as select * from exports_tests.claim(:'pdf');
grant select on claimed to authenticated;
select is((select row_limit from claimed), 10::bigint, 'the claim carries the PDF limit');
select exports_tests.authenticate_as('owner');
select is(pg_temp.rows_read((select statement from claimed)), 11,
  'its statement, run as the user, reads 11 of the 25 rows: one past the limit');
select exports_tests.clear_authentication();

truncate claimed;
insert into claimed select * from exports_tests.claim(:'csv');
select is((select row_limit from claimed), null, 'a CSV export of the same source has no limit');
select doesnt_match((select statement from claimed), ' limit ', 'and its statement reads every row');

select * from finish();
rollback;
