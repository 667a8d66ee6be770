-- The daily quota counts the exports requested in the last 24 hours, deleted ones included, and refuses more with EX011.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_exports_per_day = 3, max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as old_id \gset
select exports_tests.request_as('owner') as deleted_id \gset
select exports_tests.request_as('owner');
-- One of them is older than a day; one was deleted, which must not free a slot.
update exports.exports set requested_at = now() - interval '25 hours' where export_id = :'old_id';
select exports_tests.authenticate_as('owner');
select public.delete_export(:'deleted_id');

select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'an export requested more than 24 hours ago no longer counts');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX011', 'you have requested 3 exports in the last 24 hours; the limit is 3',
  'a fourth export within 24 hours is refused with EX011, deleted ones counting');

select * from finish();
rollback;
