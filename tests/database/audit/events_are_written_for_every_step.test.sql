-- The database logs every step of an export's life, with who did it, in order.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set default_max_attempts = 3;

select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');
select exports.fail_export(export_id => :'id', worker_id => 'worker-1', error_code => 'worker_error');
update exports.exports set next_run_at = now() where export_id = :'id';
select exports_tests.complete(:'id');
select exports_tests.authenticate_as('owner');
select public.record_export_download(:'id');
select exports_tests.clear_authentication();
update exports.exports set expires_at = now() where export_id = :'id';
select exports.cleanup_expired_exports();
select exports.record_purged(array[:'id'::uuid]);
select exports_tests.authenticate_as('owner');
select public.delete_export(:'id');
select exports_tests.clear_authentication();

select results_eq(format('select event from exports.export_events where export_id = %L order by id', :'id'),
  $$ values ('requested'), ('started'), ('retried'), ('started'), ('completed'), ('downloaded'), ('expired'), ('purged'), ('deleted') $$,
  'requested, started, retried, completed, downloaded, expired, purged and deleted are logged in order');
select is((select actor_id from exports.export_events where export_id = :'id' and event = 'downloaded'), exports_tests.user_id('owner'),
  'a user''s action names the user as actor');
select is((select actor_role from exports.export_events where export_id = :'id' and event = 'completed'), 'system',
  'the worker''s actions are logged as the system''s');

select * from finish();
rollback;
