-- The cleanup expires completed exports past their expiry, which then can no longer be downloaded and are listed for purging.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as old_one \gset
select exports_tests.request_as('owner') as fresh_one \gset
select exports_tests.complete(:'old_one');
select exports_tests.complete(:'fresh_one');
update exports.exports set expires_at = now() - interval '1 minute' where export_id = :'old_one';

select is((exports.cleanup_expired_exports() ->> 'expired')::int, 1, 'the cleanup expires one export');
select is((select status from exports.exports where export_id = :'old_one'), 'expired', 'the export past its expiry is expired');
select is((select status from exports.exports where export_id = :'fresh_one'), 'completed', 'the export within its expiry stays completed');
select is((select count(*)::int from exports.objects_to_purge() where export_id = :'old_one'), 1, 'the expired file is listed for purging');

select exports_tests.authenticate_as('owner');
select throws_ok(format($$ select public.record_export_download(%L) $$, :'old_one'), 'EX022',
  format('export %s is expired; only completed exports can be downloaded', :'old_one'),
  'an expired export cannot be downloaded');

select * from finish();
rollback;
