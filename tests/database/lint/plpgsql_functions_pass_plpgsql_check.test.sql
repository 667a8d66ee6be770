-- plpgsql_check finds no error, and no warning of any kind, in any PL/pgSQL function of the module or the sample app.
begin;
select plan(1);

create extension if not exists plpgsql_check;

select is_empty($$
  select p.oid::regprocedure::text || ': ' || c.message
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_language l on l.oid = p.prolang
  cross join lateral plpgsql_check_function_tb(p.oid,
    relid => coalesce((select t.tgrelid from pg_trigger t where t.tgfoid = p.oid limit 1), 0),
    performance_warnings => true, security_warnings => true) c
  where n.nspname in ('exports', 'sample', 'public') and l.lanname = 'plpgsql'
$$, 'no PL/pgSQL function has an error, a warning, a performance or a security warning');

select * from finish();
rollback;
