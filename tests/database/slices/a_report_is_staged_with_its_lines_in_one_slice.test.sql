-- A report is computed as the user by the statement that stages the lines, from its snapshot, so its figures
-- and the lines agree; it is kept in the checkpoint, and the export is written in one slice, the report's
-- layout covering every line.
begin;
select plan(3);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 7);
select exports_tests.add_items('other', 2);
create function exports_tests.items_report(options jsonb) returns jsonb
language sql stable security invoker set search_path = ''
as $$ select jsonb_build_object('title', 'Items', 'lines', (select count(*) from exports_tests.items)) $$;
grant execute on function exports_tests.items_report(jsonb) to authenticated;
select exports.register_report('test_items', 'exports_tests.items_report(jsonb)');
update exports.formats set slice_rows = 2 where name = 'xlsx';
select exports_tests.request_as('owner', format => 'xlsx') as id \gset
select exports_tests.stage(:'id') as checkpoint \gset

select is(:'checkpoint'::jsonb -> 'report', '{"title": "Items", "lines": 7}'::jsonb,
  'the report is computed as the owner and kept in the checkpoint');
select is((:'checkpoint'::jsonb ->> 'staged_rows')::int, 7, 'its figures agree with the staged lines');
select is((:'checkpoint'::jsonb ->> 'rows_per_slice')::int, 7, 'the export is written in one slice');

select * from finish();
rollback;
