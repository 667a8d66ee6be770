-- exports.callable_by_authenticated is the one list of what signed-in users may call: every function it names exists
-- and is theirs to run, and no other function of public or exports is.
begin;
select plan(3);

select is_empty(
  $$ select signature from exports.callable_by_authenticated() where procedure is null $$,
  'every function the list names exists');
select is_empty(
  $$ select signature from exports.callable_by_authenticated()
     where not has_function_privilege('authenticated', procedure, 'execute') $$,
  'authenticated may run every function the list names');
select set_eq(
  $$ select p.oid from pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'exports'::regnamespace)
       and has_function_privilege('authenticated', p.oid, 'execute')
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e') $$,
  $$ select procedure::oid from exports.callable_by_authenticated() $$,
  'authenticated may run no function of public or exports the list leaves out');

select * from finish();
rollback;
