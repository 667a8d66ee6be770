-- plpgsql_check finds no error, and no warning of any kind, in any PL/pgSQL function of the module or the sample app.
begin;
select plan(1);

create extension if not exists plpgsql_check;

select is_empty($$
  select p.oid::regprocedure::text || ': ' || c.message
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_language l on l.oid = p.prolang
  -- A trigger function is checked against its table and, for statement-level
  -- triggers, its transition tables (the trigger that names the most of them).
  left join lateral (
    select t.tgrelid, t.tgoldtable, t.tgnewtable from pg_trigger t
    where t.tgfoid = p.oid
    order by (t.tgoldtable is not null)::int + (t.tgnewtable is not null)::int desc
    limit 1
  ) t on true
  cross join lateral plpgsql_check_function_tb(p.oid,
    relid => coalesce(t.tgrelid, 0), oldtable => t.tgoldtable, newtable => t.tgnewtable,
    performance_warnings => true, security_warnings => true) c
  where n.nspname in ('exports', 'sample', 'public') and l.lanname = 'plpgsql'
$$, 'no PL/pgSQL function has an error, a warning, a performance or a security warning');

select * from finish();
rollback;
