-- An install that keeps the service-role key in Vault as exports_worker_key is still woken with it,
-- and each cleanup warns that a key opening the whole project travels through pg_net.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.install_pg_net_and_vault('{"exports_worker_key": "a-project-key"}');
update exports.settings set worker_url = 'https://example.supabase.co/functions/v1/exports-worker';

select exports_tests.request_as('owner');
select exports.wake_worker();
select is((select headers ->> 'Authorization' from net.requests_sent), 'Bearer a-project-key',
  'the wake-up falls back to the legacy worker key');

select is(
  (select jsonb_agg(w ->> 'code') from jsonb_array_elements(exports.cleanup_expired_exports() -> 'warnings') w),
  '["wake_secret_is_a_project_key"]'::jsonb,
  'the cleanup warns that the wake-up uses a project key');
select ok((select hint like '%exports_wake_secret%' from exports.warnings where code = 'wake_secret_is_a_project_key'),
  'the warning is kept with the fix, which names the dedicated secret');

insert into vault.decrypted_secrets values ('exports_wake_secret', 'the-wake-secret');
select exports.cleanup_expired_exports();
select is((select count(*)::int from exports.warnings), 0, 'the warning goes once the wake secret is in Vault');

select * from finish();
rollback;
