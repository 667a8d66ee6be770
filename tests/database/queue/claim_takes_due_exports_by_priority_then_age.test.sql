-- claim_exports takes only due queued exports, highest priority first, then the longest waiting, and leases them.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as older \gset
select exports_tests.request_as('owner') as newer \gset
select exports_tests.request_as('owner') as urgent \gset
select exports_tests.request_as('owner') as later \gset
update exports.exports set next_run_at = now() - interval '2 minutes' where export_id = :'older';
update exports.exports set next_run_at = now() - interval '1 minute' where export_id in (:'newer', :'urgent');
update exports.exports set priority = 5 where export_id = :'urgent';
update exports.exports set next_run_at = now() + interval '1 minute' where export_id = :'later';

select exports_tests.authenticate_as_service_role();
select results_eq(
  $$ select export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 10) $$,
  format($$ values (%L::uuid), (%L::uuid), (%L::uuid) $$, :'urgent', :'older', :'newer'),
  'due exports are claimed by priority, then age; one not yet due is left');
select exports_tests.clear_authentication();

select is((select status from exports.exports where export_id = :'later'), 'queued', 'the export not yet due stays queued');
select is((select status from exports.exports where export_id = :'older'), 'processing', 'a claimed export is processing');
select is((select attempt from exports.exports where export_id = :'older'), 1, 'claiming counts an attempt');
select is((select lease_owner from exports.exports where export_id = :'older'), 'worker-1', 'the lease names the worker');
select is((select lease_expires_at from exports.exports where export_id = :'older'), now() + interval '120 seconds',
  'the lease lasts lease_seconds from now');

select * from finish();
rollback;
