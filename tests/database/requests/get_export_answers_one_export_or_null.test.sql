-- get_export answers one export as an object, or null (not an empty set) when it does not exist or the caller may not see it.
begin;
select plan(4);

select exports_tests.create_user(u) from unnest(array['owner', 'stranger']) u;
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as a \gset

select is((select p.proretset from pg_proc p where p.oid = 'public.get_export(uuid)'::regprocedure), false,
  'get_export returns one value, not a set');

select exports_tests.authenticate_as('owner');
select is(public.get_export(:'a') ->> 'export_id', :'a', 'the owner gets their export');
select is(public.get_export(gen_random_uuid()), null, 'an unknown id gets null');
select exports_tests.authenticate_as('stranger');
select is(public.get_export(:'a'), null, 'another user''s export gets null');

select * from finish();
rollback;
