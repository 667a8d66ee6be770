-- A failure on the last allowed attempt, or one that is not retryable, fails the export for good with its error kept.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set default_max_attempts = 1, max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as last_try \gset
select exports_tests.claim(:'last_try');
select is(exports.fail_export(export_id => :'last_try', worker_id => 'worker-1', error_code => 'worker_error'), 'failed', 'the last attempt''s failure is final');
select is((select error_message from exports.exports where export_id = :'last_try'),
  (select message from exports.failure_codes where code = 'worker_error'),
  'the last error is kept for the user in its code''s words');

update exports.settings set default_max_attempts = 5;
select exports_tests.request_as('owner') as fatal \gset
select exports_tests.claim(:'fatal');
select is(exports.fail_export(export_id => :'fatal', worker_id => 'worker-1', error_code => 'source_error'), 'failed', 'a failure that is not retryable is final');
select is(exports.fail_export(export_id => :'fatal', worker_id => 'worker-1', error_code => 'worker_error'), 'failed', 'a failed export ignores later reports');

select * from finish();
rollback;
