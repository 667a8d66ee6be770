-- When Storage keeps refusing a staged export's uploads, its last failure keeps its own code and message (try
-- again later), not slice_keeps_failing: leaving a row out would not help.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner') as id \gset
update exports.exports set max_attempts = 2 where export_id = :'id';
update exports.formats set slice_rows = 3 where name = 'csv';
select exports_tests.stage(:'id');

select is(exports.fail_export(:'id', 'worker-1', 'storage_unavailable', 1), 'queued', 'a first refusal is retried');
update exports.exports set next_run_at = now() where export_id = :'id';
select exports_tests.claim(:'id');
select exports.fail_export(:'id', 'worker-1', 'storage_unavailable', 2);
select results_eq(format('select e.status, e.error_code, e.error_message = f.message from exports.exports e '
    'join exports.failure_codes f on f.code = e.error_code where e.export_id = %L', :'id'),
  $$ values ('failed', 'storage_unavailable', true) $$, 'the last one fails it with Storage''s code and message');

select * from finish();
rollback;
