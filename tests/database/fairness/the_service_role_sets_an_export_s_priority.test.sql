-- The service role sets any priority on a queued or processing export with set_export_priority: a raised
-- export is claimed next; bad values, unknown and finished exports are refused with their own SQLSTATE.
begin;
select plan(7);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as first \gset
select exports_tests.request_as('owner') as second \gset
select exports_tests.request_as('other') as third \gset

select exports_tests.authenticate_as_service_role();
select is(public.set_export_priority(export_id => :'third', priority => 50),
  jsonb_build_object('export_id', :'third'::uuid, 'status', 'queued', 'priority', 50),
  'set_export_priority answers the export''s new priority');
select is(public.set_export_priority(export_id => :'first', priority => -5) ->> 'priority', '-5',
  'a priority may be lowered below the default');
select results_eq(
  $$ select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 3) $$,
  format($$ values (%L::uuid), (%L::uuid), (%L::uuid) $$, :'third', :'second', :'first'),
  'exports are claimed by the priorities the service role set');
select throws_ok(format($$ select public.set_export_priority(%L, 40000) $$, :'second'),
  'EX004', 'priority must be a whole number from -32768 to 32767; got 40000',
  'a priority out of range is refused');
select throws_ok($$ select public.set_export_priority(gen_random_uuid(), 1) $$,
  'EX020', null, 'an unknown export is refused');
select exports_tests.clear_authentication();
select exports.complete_export(export_id => :'second', worker_id => 'worker-1', file_size => 1,
  checksum_sha256 => repeat('ab', 32), row_count => 1);
select exports_tests.authenticate_as_service_role();
select throws_ok(format($$ select public.set_export_priority(%L, 1) $$, :'second'),
  'EX021', null, 'a completed export has no priority to change');
select lives_ok(format($$ select public.set_export_priority(%L, 1) $$, :'first'),
  'a processing export''s priority can change, for its retries');
select exports_tests.clear_authentication();

select * from finish();
rollback;
