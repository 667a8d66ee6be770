-- A source declares the priority its exports are queued with: exports of a higher priority source are
-- claimed first, before older exports of the default priority and whoever's turn it is.
begin;
select plan(3);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
select exports.register_source(name => 'urgent_items', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv']);
update exports.sources set default_priority = 10 where name = 'urgent_items';

select exports_tests.request_as('owner') as ordinary \gset
select exports_tests.request_as('other', 'urgent_items') as urgent \gset

select is((select priority from exports.exports where export_id = :'urgent'), 10::smallint,
  'an export is queued with its source''s default priority');
select is((select priority from exports.exports where export_id = :'ordinary'), 0::smallint,
  'a source that declares none queues its exports at 0');

select exports_tests.authenticate_as_service_role();
select results_eq(
  $$ select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 2) $$,
  format($$ values (%L::uuid), (%L::uuid) $$, :'urgent', :'ordinary'),
  'the higher priority export is claimed first, though requested later');
select exports_tests.clear_authentication();

select * from finish();
rollback;
