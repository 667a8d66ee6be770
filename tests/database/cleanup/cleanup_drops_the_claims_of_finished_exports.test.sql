-- The cleanup drops a request's recorded claims once its export has finished (they hold the
-- requester's email and metadata, and no worker needs them any more), and keeps those of exports
-- that may still run.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as queued \gset
select exports_tests.request_as('owner') as running \gset
select exports_tests.request_as('owner') as completed \gset
select exports_tests.request_as('owner') as canceled \gset
select exports_tests.claim(:'running');
select exports_tests.complete(:'completed');
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'canceled');
select exports_tests.clear_authentication();

select is((exports.cleanup_expired_exports() ->> 'dropped_claims')::int, 2,
  'the cleanup reports the claims it dropped');
select set_eq($$ select export_id from exports.request_claims $$,
  array[:'queued', :'running']::uuid[],
  'the claims of the queued and the running export stay, those of the finished ones are gone');
select is((select status from exports.exports where export_id = :'completed'), 'completed',
  'the finished export itself stays');

select * from finish();
rollback;
