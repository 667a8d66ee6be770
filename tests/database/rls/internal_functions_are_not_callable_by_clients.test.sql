-- Clients call the module through its public RPCs only: of the functions in exports, authenticated may run just what
-- the security invoker RPCs and the worker's statements run as the user, anon none; and request_export, which no
-- longer needs the caller to run its internals, still counts rows as the caller.
begin;
select plan(7);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports.register_source(name => 'capped', rows_function => 'exports_tests.item_rows(jsonb)', formats => array['pdf'],
  row_limits => '{"pdf": 10}');
select exports_tests.add_items('owner', 5);
select exports_tests.add_items('other', 20);

-- Read from the catalog, so that a function opened later is refused unless exports.callable_by_authenticated names it.
select set_eq(
  $$ select p.oid::regprocedure::text from pg_proc p
     where p.pronamespace = 'exports'::regnamespace and has_function_privilege('authenticated', p.oid, 'execute') $$,
  $$ select procedure::text from exports.callable_by_authenticated() where signature like 'exports.%' $$,
  'authenticated may run only the exports functions the RPCs and the worker''s statements run as the user');
select is_empty(
  $$ select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'exports'::regnamespace and has_function_privilege('anon', p.oid, 'execute') $$,
  'anon may run no exports function');
-- _require_user is the one exception: it takes no argument and answers only
-- whether the caller's own user exists, which it must read from auth.users.
select set_eq(
  $$ select p.oid::regprocedure::text from pg_proc p
     where p.pronamespace = 'exports'::regnamespace and p.prosecdef
       and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute')) $$,
  $$ values ('exports._require_user()') $$,
  'no security definer function in exports is open to clients but the check of the caller''s own user');
select is_empty(
  $$ select r.rolname from pg_roles r
     where r.rolname in ('anon', 'authenticated', 'service_role', 'authenticator')
       and pg_has_role(r.oid, 'exports_counter', 'member') $$,
  'no client role may act as the counting role');

-- A client's own count would skip the row limit (10 rows for pdf).
select exports_tests.authenticate_as('owner');
select throws_ok($$ select exports._enqueue_export('capped', 'pdf', '{}', null, null, 'none', null, 0, null) $$,
  '42501', null, 'a client may not call _enqueue_export with a count of its own');

-- The other user's 20 items would break the limit if the count could see them.
select is((public.request_export('capped', 'pdf')).rows_expected, 5::bigint,
  'request_export counts only the rows the caller may see');
select exports_tests.clear_authentication();
select exports_tests.add_items('owner', 6);
select exports_tests.authenticate_as('owner');
select throws_ok($$ select public.request_export('capped', 'pdf') $$, 'EX012', null,
  'and refuses the caller''s own rows past the limit');

select * from finish();
rollback;
