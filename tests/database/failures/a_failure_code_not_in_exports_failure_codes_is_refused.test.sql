-- A failed export carries only a code of exports.failure_codes: the worker cannot record another.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

select throws_ok($$select exports.fail_export(export_id => '$$ || :'id' || $$', worker_id => 'worker-1',
    error_code => 'made_up')$$,
  '23503', null, 'fail_export refuses a code exports.failure_codes does not list');
select is((select status from exports.exports where export_id = :'id'), 'processing',
  'the refused failure leaves the export as it was');
select throws_ok($$update exports.exports set error_code = 'made_up' where export_id = '$$ || :'id' || $$'$$,
  '23503', null, 'no writer can store an unlisted error_code');

select * from finish();
rollback;
