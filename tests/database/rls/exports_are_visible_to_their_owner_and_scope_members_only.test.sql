-- Exports are visible to their owner and to members of their scope; not to another user, a non-member or anon; service_role sees all.
begin;
select plan(11);

select exports_tests.create_user(u) from unnest(array['owner', 'other', 'member', 'outsider']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'member') as scope \gset
select exports_tests.request_as('owner') as private_id \gset
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as shared_id \gset

select exports_tests.authenticate_as('owner');
select set_eq('select export_id from exports.exports', format('values (%L::uuid), (%L::uuid)', :'private_id', :'shared_id'),
  'the owner sees their own and their shared export');
select is((public.list_exports() ->> 'total_count')::int, 2, 'the owner''s list holds both');

select exports_tests.authenticate_as('member');
select set_eq('select export_id from exports.exports', format('values (%L::uuid)', :'shared_id'),
  'a scope member sees the shared export only');
select ok(public.get_export(:'shared_id') is not null, 'a scope member gets the shared export');
select ok(public.get_export(:'private_id') is null, 'a scope member does not get the owner''s private export');

select exports_tests.authenticate_as('outsider');
select is_empty('select export_id from exports.exports', 'a non-member sees no export');
select is((public.list_exports() ->> 'total_count')::int, 0, 'a non-member''s list is empty');

select exports_tests.authenticate_as('other');
select is_empty('select export_id from exports.exports', 'another user sees no export');
select ok(public.get_export(:'private_id') is null, 'another user does not get the export');

select exports_tests.authenticate_as_anon();
select throws_ok('select export_id from exports.exports', '42501', 'permission denied for schema exports',
  'anon cannot reach the exports table at all');

select exports_tests.authenticate_as_service_role();
select is((select count(*)::int from exports.exports where export_id in (:'private_id', :'shared_id')), 2,
  'service_role sees every export');

select * from finish();
rollback;
