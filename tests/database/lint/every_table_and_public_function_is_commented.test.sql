-- Every table of the module and the sample app, and every public RPC, says what it is for.
begin;
select plan(2);

select is_empty($$
  select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('exports', 'sample') and c.relkind = 'r' and obj_description(c.oid, 'pg_class') is null
$$, 'every table has a comment');
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where ((n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute') and p.proname ~ 'export')
      or (n.nspname = 'exports' and has_function_privilege('service_role', p.oid, 'execute') and p.proname !~ '^_'))
    and obj_description(p.oid, 'pg_proc') is null
$$, 'every client RPC and worker function has a comment');

select * from finish();
rollback;
