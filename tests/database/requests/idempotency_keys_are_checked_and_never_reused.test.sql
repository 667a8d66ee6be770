-- An idempotency key must be 1 to 200 characters, refused with EX004 like any malformed argument
-- (not the column's check constraint, which a caller would see as an internal error); and a key
-- stays with its export after the export is deleted.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.authenticate_as('owner');

select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', idempotency_key => '') $$,
  'EX004', 'idempotency_key must be 1 to 200 characters; got 0', 'an empty key is refused with EX004');
select throws_ok(format($$ select public.request_export(source => 'test_items', format => 'csv', idempotency_key => %L) $$,
  repeat('k', 201)), 'EX004', 'idempotency_key must be 1 to 200 characters; got 201', 'a key of 201 characters too');

select export_id as deleted_id from public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'once') \gset
select public.delete_export(:'deleted_id');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'once') $$,
  'EX007', 'idempotency key ''once'' was used for an export that has since been deleted',
  'repeating the request of a deleted export is refused: its summary is no longer the caller''s to see');
select lives_ok($$ select public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'twice') $$,
  'a new key requests it again');

select * from finish();
rollback;
