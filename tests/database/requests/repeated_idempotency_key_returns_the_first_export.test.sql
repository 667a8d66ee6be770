-- A repeated idempotency key returns the first export instead of queueing another; reused for a different request it is refused.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.create_user('other');
select exports_tests.register_test_sources();

select exports_tests.authenticate_as('owner');
select export_id as first_id from public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'k-1') \gset
select is((select export_id from public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'k-1')),
  :'first_id'::uuid, 'the same request with the same key returns the first export');
select is((select count(*)::int from exports.exports), 1, 'only one export was queued');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'json', idempotency_key => 'k-1') $$,
  'EX007', 'idempotency key ''k-1'' was already used for a different export',
  'the key reused for a different request is refused with EX007');

select exports_tests.authenticate_as('other');
select isnt((select export_id from public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'k-1')),
  :'first_id'::uuid, 'another user''s identical key is a different export');

select * from finish();
rollback;
