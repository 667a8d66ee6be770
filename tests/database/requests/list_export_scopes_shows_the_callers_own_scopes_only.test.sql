-- list_export_scopes shows a caller the shared scopes they belong to, and no one else's.
begin;
select plan(3);

select exports_tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
select exports_tests.create_scope('owner', 'member') as shared \gset
select exports_tests.create_scope('outsider') as other \gset

select exports_tests.authenticate_as('member');
select results_eq($$ select * from public.list_export_scopes() $$, format($$ values (%L::uuid) $$, :'shared'),
  'a member sees the scope they belong to');
select exports_tests.authenticate_as('outsider');
select results_eq($$ select * from public.list_export_scopes() $$, format($$ values (%L::uuid) $$, :'other'),
  'another user sees only their own scope');
select exports_tests.clear_authentication();
select throws_ok($$ select public.list_export_scopes() $$, 'EX008', null, 'a caller who is not signed in is refused');

select * from finish();
rollback;
