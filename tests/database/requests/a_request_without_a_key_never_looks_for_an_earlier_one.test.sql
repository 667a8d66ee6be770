-- A request looks for an earlier export with the same idempotency key only when it has a key: the
-- lookup is a query planned on every call, for nothing when there is no key. And its checks run as
-- one role (their owner) whichever function calls them, so their plans are not made again each
-- time the role changes.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
-- Counts calls of the functions below in pg_stat_xact_user_functions.
set local track_functions = 'all';

-- The calls of exports.<name> in this transaction so far.
create function exports_tests.calls_of(name text) returns bigint
language sql set search_path = '' as $$
  select coalesce(sum(f.calls), 0)::bigint from pg_catalog.pg_stat_xact_user_functions f
  where f.schemaname = 'exports' and f.funcname = name
$$;

select exports_tests.authenticate_as('owner');
select public.request_export(source => 'test_items', format => 'csv');
select exports_tests.clear_authentication();
select is(exports_tests.calls_of('_replay_request'), 0::bigint, 'a request without a key never looks for an earlier export');
select is(exports_tests.calls_of('_check_request'), 2::bigint,
  'its checks run twice: as the request, and again in the definer that enqueues it');

select exports_tests.authenticate_as('owner');
select public.request_export(source => 'test_items', format => 'csv', idempotency_key => 'k-1');
select exports_tests.clear_authentication();
select is(exports_tests.calls_of('_replay_request'), 2::bigint,
  'a request with a key looks for it before the checks and again under the usage lock');

select is(
  (select p.prosecdef from pg_catalog.pg_proc p where p.oid = 'exports._check_request(text, text, jsonb, uuid, text)'::regprocedure),
  true,
  'the checks run as their owner, so the user and the enqueueing definer share their plans');

select * from finish();
rollback;
