-- Staging runs the source as the requesting user, with the claims of their request: RLS decides what is staged,
-- so another user's rows never are, and the staged count is the export's exact rows_expected.
begin;
select plan(4);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 3);
select exports_tests.add_items('other', 4);
select exports_tests.request_as('owner', format => 'jsonl') as id \gset
select exports_tests.stage(:'id') as checkpoint \gset

select is((:'checkpoint'::jsonb ->> 'staged_rows')::int, 3, 'only the owner''s three rows are staged');
select results_eq(format('select chunk from exports_staging.%I order by _position', :'id'),
  $$ select row_to_json(r)::text from (
       select i.n, i.label from exports_tests.items i where i.owner_id = exports_tests.user_id('owner') order by i.n) r $$,
  'the staged rows are the owner''s, in the order the source returns them');
select is_empty(format('select from exports_staging.%I where chunk like %L', :'id', '%other%'),
  'no row of the other user is staged');
select is((select rows_expected from exports.exports where export_id = :'id'), 3::bigint,
  'rows_expected becomes the exact count of staged rows');

select * from finish();
rollback;
