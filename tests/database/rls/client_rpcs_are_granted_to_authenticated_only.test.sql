-- The client RPCs are executable by authenticated only; the queue and cleanup functions by service_role only.
begin;
select plan(6);

create temp table client_rpcs (signature text);
insert into client_rpcs values
  ('public.request_export(text, text, jsonb, text, uuid, text)'),
  ('public.list_exports(text, text, text, timestamptz, timestamptz, integer, uuid)'),
  ('public.get_export(uuid)'), ('public.list_export_events(uuid)'), ('public.cancel_export(uuid)'),
  ('public.delete_export(uuid)'), ('public.record_export_download(uuid)');
create temp table worker_functions (signature text);
insert into worker_functions values
  ('exports.claim_exports(text, integer, integer)'), ('exports.heartbeat(uuid, text, bigint, integer)'),
  ('exports.complete_export(uuid, text, bigint, text, bigint)'),
  ('exports.fail_export(uuid, text, text, text, boolean)'), ('exports.objects_to_purge(integer)'),
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

select tests.authenticate_as_anon();
select throws_ok($$ select public.request_export(source => 'conversations', format => 'csv') $$, '42501',
  'permission denied for function request_export', 'an anonymous call to request_export is refused');

select * from finish();
rollback;
