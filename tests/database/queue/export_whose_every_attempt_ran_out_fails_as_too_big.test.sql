-- An export whose every attempt lost its lease (hosted: each worker instance stopped at its limits)
-- fails as too big for the worker, with a message that says how to narrow it; earlier attempts
-- stay lease_expired and are retried.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set default_max_attempts = 2;

select exports_tests.request_as('owner', format => 'xlsx') as id \gset
select exports_tests.claim(:'id', 'killed-worker');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select exports.cleanup_expired_exports();
select is((select status || ' ' || error_code from exports.exports where export_id = :'id'), 'queued lease_expired',
  'an attempt with another left is retried as lease_expired');

select exports_tests.claim(:'id', 'killed-again');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select exports.cleanup_expired_exports();
select is((select status || ' ' || error_code from exports.exports where export_id = :'id'), 'failed too_big_for_worker',
  'the last attempt lost too fails the export as too big for the worker');
select matches((select error_message from exports.exports where export_id = :'id'), 'too big to finish in one run',
  'its message says why');
select matches((select error_message from exports.exports where export_id = :'id'), 'narrow it down \(a shorter date range, a filter',
  'and how to narrow it');
select matches((select error_message from exports.exports where export_id = :'id'), 'or choose CSV\.$',
  'and suggests CSV where the source offers it without a row limit');

select * from finish();
rollback;
