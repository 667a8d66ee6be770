-- A user with the maximum number of queued or running exports is refused another with EX010, and may request again once one finishes.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 2;

select exports_tests.request_as('owner') as first_id \gset
select exports_tests.request_as('owner');

select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX010', 'you already have 2 exports queued or running; the limit is 2',
  'a third active export is refused with EX010');

select public.cancel_export(:'first_id');
select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'after one is canceled, a new export is accepted');

select exports_tests.clear_authentication();
select is((select active_exports from exports.usage where user_id = exports_tests.user_id('owner')), 2,
  'the usage figures count the exports that are active');

select * from finish();
rollback;
