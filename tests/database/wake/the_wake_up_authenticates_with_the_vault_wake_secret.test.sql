-- Where pg_net is installed, the wake-up POSTs to the worker's URL with Vault's exports_wake_secret
-- as its bearer token, and prefers it to the project key older installs kept as exports_worker_key.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.install_pg_net_and_vault(
  '{"exports_wake_secret": "the-wake-secret", "exports_worker_key": "a-project-key"}');
update exports.settings set worker_url = 'https://example.supabase.co/functions/v1/exports-worker';

select exports.wake_worker();
select is((select count(*)::int from net.requests_sent), 0, 'nothing is sent while nothing is due');

select exports_tests.request_as('owner');
select exports.wake_worker();
select results_eq(
  $$ select url, headers ->> 'Authorization' from net.requests_sent $$,
  $$ values ('https://example.supabase.co/functions/v1/exports-worker', 'Bearer the-wake-secret') $$,
  'a due export is announced to the worker URL with the wake secret');
select is((exports.cleanup_expired_exports() -> 'warnings'), '[]'::jsonb, 'the cleanup finds nothing to warn about');

select * from finish();
rollback;
