-- Without worker_url the wake-up can only notify exports_wake: the local stack hears it and stays
-- quiet, but where pg_net is installed nobody does, and every cleanup says so.
begin;
select plan(5);

select is((exports.cleanup_expired_exports() -> 'warnings'), '[]'::jsonb,
  'without pg_net the cleanup has nothing to warn about');
select is((select count(*)::int from exports.warnings), 0, 'and records no warning');

select exports_tests.install_pg_net_and_vault('{"exports_wake_secret": "the-wake-secret"}');
select is(
  (select jsonb_agg(w ->> 'code') from jsonb_array_elements(exports.cleanup_expired_exports() -> 'warnings') w),
  '["worker_url_missing"]'::jsonb,
  'with pg_net and no worker_url the cleanup warns');
select ok((select hint like 'update exports.settings set worker_url%' from exports.warnings where code = 'worker_url_missing'),
  'the warning is recorded with the statement that fixes it');

update exports.settings set worker_url = 'https://example.supabase.co/functions/v1/exports-worker';
select exports.cleanup_expired_exports();
select is((select count(*)::int from exports.warnings), 0, 'the warning goes once worker_url is set');

select * from finish();
rollback;
