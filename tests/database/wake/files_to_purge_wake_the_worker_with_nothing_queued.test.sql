-- An expired file is listed for purging by the cleanup, and the wake-up then wakes the worker,
-- whose round purges it, though no export is queued.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.install_pg_net_and_vault('{"exports_wake_secret": "the-wake-secret"}');
update exports.settings set worker_url = 'https://example.supabase.co/functions/v1/exports-worker';

select exports_tests.request_as('owner') as export_id \gset
select exports_tests.complete(:'export_id');
update exports.exports set expires_at = now() - interval '1 minute' where export_id = :'export_id';
select exports.wake_worker();
select is((select count(*)::int from net.requests_sent), 0, 'a completed file within nothing due wakes nobody');

select is((exports.cleanup_expired_exports() ->> 'files_to_purge')::int, 1, 'the cleanup lists the expired file');
select exports.wake_worker();
select is((select count(*)::int from net.requests_sent), 1, 'the wake-up then wakes the worker to purge it');

select * from finish();
rollback;
