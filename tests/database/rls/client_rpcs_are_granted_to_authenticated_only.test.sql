-- The client RPCs are executable by authenticated only; the queue and cleanup functions by service_role only.
begin;
select plan(23);

create temp table client_rpcs as
  select signature from exports.callable_by_authenticated() where signature like 'public.%';
create temp table worker_functions (signature text);
insert into worker_functions values
  ('exports.claim_exports(text, integer, integer)'), ('exports.heartbeat(uuid, text, bigint, integer, integer)'),
  ('exports.complete_export(uuid, text, bigint, text, bigint)'),
  ('exports.fail_export(uuid, text, text, integer, bigint)'), ('exports.objects_to_purge(integer)'),
  ('exports.record_purged(uuid[])'), ('exports.cleanup_expired_exports()');

select ok(bool_and(has_function_privilege('authenticated', signature, 'execute')) , 'authenticated may call every client RPC')
from client_rpcs;
select ok(not bool_or(has_function_privilege('anon', signature, 'execute')), 'anon may call no client RPC')
from client_rpcs;
select ok(not bool_or(has_function_privilege('service_role', signature, 'execute')), 'service_role may call no client RPC')
from client_rpcs;
select ok(bool_and(has_function_privilege('service_role', signature, 'execute')), 'service_role may call every worker function')
from worker_functions;
select ok(not bool_or(has_function_privilege('authenticated', signature, 'execute') or has_function_privilege('anon', signature, 'execute')),
  'neither authenticated nor anon may call a worker function')
from worker_functions;

-- And each call is refused in practice, as anon and as service_role.
create temp table calls (sql text);
insert into calls values
  ($$ select public.request_export(source => 'conversations', format => 'csv') $$),
  ($$ select public.list_exports() $$),
  ($$ select public.get_export(gen_random_uuid()) $$),
  ($$ select public.list_export_events(gen_random_uuid()) $$),
  ($$ select public.cancel_export(gen_random_uuid()) $$),
  ($$ select public.delete_export(gen_random_uuid()) $$),
  ($$ select public.record_export_download(gen_random_uuid()) $$),
  ($$ select public.list_export_sources() $$),
  ($$ select public.list_export_scopes() $$);
grant select on calls to public;

create function pg_temp.call_as(role_name text, sql text) returns text language plpgsql as $$
declare
  result text;
begin
  if role_name = 'anon' then perform exports_tests.authenticate_as_anon(); else perform exports_tests.authenticate_as_service_role(); end if;
  result := throws_ok(sql, '42501', null, format('%s may not call %s', role_name, substring(sql from 'public\.(\w+)')));
  perform exports_tests.clear_authentication();
  return result;
end $$;

select pg_temp.call_as(r, c.sql) from unnest(array['anon', 'service_role']) r, calls c;

select * from finish();
rollback;
