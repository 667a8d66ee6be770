-- fail_export writes the message of the code's row in exports.failure_codes and retries exactly
-- the codes it marks retryable, for every code the worker records.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 20, default_max_attempts = 3;

create temp table failed as
select f.code, exports_tests.request_as('owner') as export_id
from exports.failure_codes f where f.recorded_by = 'worker';
select exports_tests.claim(export_id) from failed;
create temp table outcomes as
select f.code, exports.fail_export(export_id => f.export_id, worker_id => 'worker-1', error_code => f.code) as status
from failed f;

select is_empty($$
  select o.code from outcomes o join exports.failure_codes f using (code)
  where o.status <> case when f.retryable then 'queued' else 'failed' end
$$, 'a retryable code queues the export again and any other fails it for good');
select is_empty($$
  select f.code from failed f join exports.exports e using (export_id) join exports.failure_codes c using (code)
  where e.error_code <> f.code or e.error_message is null or e.error_message ~ '[{}]'
     or (c.message !~ '[{}]' and e.error_message <> c.message)
$$, 'each failed export carries its code and that code''s message, with nothing left to fill in');

select * from finish();
rollback;
