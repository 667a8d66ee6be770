-- An export of a shared scope holds the scope's data: once its requester leaves the scope, they
-- no longer see it, cancel it or download it; the members who remain still do.
begin;
select plan(8);

select exports_tests.create_user(u) from unnest(array['owner', 'leaver']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'leaver') as scope \gset
select exports_tests.request_as('leaver', source => 'test_shared_items', scope => :'scope') as done_id \gset
select exports_tests.complete(:'done_id');
select exports_tests.request_as('leaver', source => 'test_shared_items', scope => :'scope') as queued_id \gset
select exports_tests.request_as('leaver') as own_id \gset
select exports_tests.authenticate_as('leaver');
select export_id as keyed_id from public.request_export(source => 'test_shared_items', format => 'csv',
  scope => :'scope', idempotency_key => 'k1') \gset
select exports_tests.clear_authentication();

select exports_tests.authenticate_as('leaver');
select ok(public.get_export(:'done_id') is not null, 'while a member, the requester sees it');

-- As the app's membership triggers would, when the leaver is removed from the household.
select exports_tests.clear_authentication();
delete from exports.scope_members where scope_id = :'scope' and user_id = exports_tests.user_id('leaver');

select exports_tests.authenticate_as('leaver');
select set_eq('select export_id from exports.exports', format('values (%L::uuid)', :'own_id'),
  'after leaving, the requester sees only their own unscoped export');
select ok(public.get_export(:'done_id') is null, 'get_export no longer returns the scope''s export');
select throws_ok(format('select public.record_export_download(%L)', :'done_id'), 'EX020', null,
  'nor may they download it');
select throws_ok(format('select public.cancel_export(%L)', :'queued_id'), 'EX020', null,
  'nor cancel the scope''s queued export');
select throws_ok(format($$ select public.request_export(source => 'test_shared_items', format => 'csv',
    scope => %L, idempotency_key => 'k1') $$, :'scope'), 'EX005', null,
  'nor learn of it by repeating their request''s idempotency key');

select exports_tests.authenticate_as('owner');
select is((select count(*)::int from public.record_export_download(:'done_id')), 1,
  'a member who remains still downloads it');
select is((select status from public.cancel_export(:'queued_id')), 'canceled', 'and may cancel the queued one');

select * from finish();
rollback;
