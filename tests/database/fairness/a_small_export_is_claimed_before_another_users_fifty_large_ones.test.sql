-- One user queues fifty large exports, then another user one small export: the small one is claimed
-- next, ahead of all fifty, and the large ones follow in the order they were requested.
begin;
select plan(4);

select exports_tests.create_user(u) from unnest(array['hoarder', 'newcomer']) u;
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 60, max_exports_per_day = 60, small_export_rows = 10;
-- More rows than small_export_rows: each of the hoarder's exports is large.
select exports_tests.add_items('hoarder', 50);
select exports_tests.add_items('newcomer', 3);

create temp table large_ones as
  select n, exports_tests.request_as('hoarder') as export_id from generate_series(1, 50) n;
grant select on large_ones to public;
select exports_tests.request_as('newcomer') as small \gset

select is((select count(*) from large_ones l join exports.exports e using (export_id) where e.rows_expected is null),
  50::bigint, 'the hoarder''s exports are counted as larger than small_export_rows');
select is((select rows_expected from exports.exports where export_id = :'small'), 3::bigint,
  'the newcomer''s export is counted exactly: it is small');

select exports_tests.authenticate_as_service_role();
select is((select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 1)), :'small'::uuid,
  'the next claim takes the small export, queued after fifty large ones of another user');
select results_eq(
  $$ select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 50) $$,
  $$ select export_id from large_ones order by n $$,
  'the large ones follow, in the order they were requested');
select exports_tests.clear_authentication();

select * from finish();
rollback;
