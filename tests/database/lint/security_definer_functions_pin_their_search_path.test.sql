-- Every function of the module and the sample app pins search_path or has a
-- SQL-standard body (whose names Postgres resolves once, at creation), and
-- none is executable by anon.
begin;
select plan(3);

select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('exports', 'sample')
     or (n.nspname = 'public' and p.oid::regprocedure::text ~ '(export|exports)\(')
  except
  select p.oid::regprocedure::text from pg_proc p
  where exists (select from unnest(p.proconfig) c where c = 'search_path=""') or p.prosqlbody is not null
$$, 'every function sets search_path to empty or has a SQL-standard body');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('exports', 'sample') and p.prosqlbody is not null and (p.prosecdef or p.proconfig is not null)
$$, 'the SQL-standard bodies are security invoker with no settings, so Postgres can inline them');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('exports', 'sample') and has_function_privilege('anon', p.oid, 'execute')
$$, 'anon may execute no function of the module or the sample app');

select * from finish();
rollback;
