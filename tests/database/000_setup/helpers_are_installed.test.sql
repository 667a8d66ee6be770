-- Installs the suite's helpers (users by name, switching identity, a scope, a test source of our
-- own so the module's tests do not depend on the sample app) for the files after it. pg_prove runs
-- each file in a session of its own and this one sorts first, so scripts/test and
-- `supabase test db tests/database` install them the same way. Their schema is exports_tests, not
-- basejump's `tests`, so both sets of helpers can live in one database; it is rebuilt on every
-- run, and zzz_teardown drops it.

set client_min_messages = warning;

create extension if not exists pgtap with schema extensions;

drop schema if exists exports_tests cascade;
create schema exports_tests;
grant usage on schema exports_tests to anon, authenticated, service_role;

-- ============================================================================
-- users and identity
-- ============================================================================

-- A stable id for a test user's name, so tests can refer to users by name.
create or replace function exports_tests.user_id(name text) returns uuid
language sql immutable
set search_path = ''
as $$ select md5('exports_tests.user:' || name)::uuid $$;

create or replace function exports_tests.create_user(name text) returns uuid
language sql
set search_path = ''
as $$
  insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
  values (exports_tests.user_id(name), 'authenticated', 'authenticated', name || '@tests.example', '{}', '{}')
  on conflict (id) do update set email = excluded.email
  returning id
$$;

-- Acts as the named user for the rest of the transaction, as PostgREST does.
create or replace function exports_tests.authenticate_as(name text) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', json_build_object(
    'sub', exports_tests.user_id(name), 'role', 'authenticated', 'aud', 'authenticated',
    'email', name || '@tests.example')::text, true);
end
$$;

create or replace function exports_tests.authenticate_as_anon() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
end
$$;

create or replace function exports_tests.authenticate_as_service_role() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
end
$$;

-- Back to the test's own superuser, with no claims.
create or replace function exports_tests.clear_authentication() returns void
language plpgsql
set search_path = ''
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- ============================================================================
-- scopes and a test source
-- ============================================================================

create or replace function exports_tests.create_scope(variadic member_names text[]) returns uuid
language sql
set search_path = ''
as $$
  with scope as (select gen_random_uuid() as id)
  insert into exports.scope_members (scope_id, user_id)
  select scope.id, exports_tests.user_id(m) from scope, unnest(member_names) m
  returning scope_id
$$;

create table exports_tests.items (
  id bigint generated always as identity primary key,
  owner_id uuid not null,
  scope_id uuid,
  n int not null,
  label text not null
);
alter table exports_tests.items enable row level security;
create policy "Items are visible to their owner and scope members" on exports_tests.items
  for select to authenticated using (
    owner_id = (select auth.uid())
    or scope_id in (select m.scope_id from exports.scope_members m where m.user_id = (select auth.uid())));
grant select on exports_tests.items to authenticated;

create or replace function exports_tests.item_rows(options jsonb) returns table (n int, label text)
language sql stable security invoker
set search_path = ''
as $$
  select i.n, i.label from exports_tests.items i
  where i.scope_id is not distinct from (options ->> 'scope_id')::uuid
    and (options ->> 'min' is null or i.n >= (options ->> 'min')::int)
  order by i.n
$$;

create or replace function exports_tests.add_items(owner_name text, how_many int, scope_id uuid default null) returns void
language sql
set search_path = ''
as $$
  insert into exports_tests.items (owner_id, scope_id, n, label)
  select exports_tests.user_id(owner_name), scope_id, n, format('%s''s item %s', owner_name, n)
  from generate_series(1, how_many) n
$$;

-- Registers `test_items` (a user's own items, in every format) and
-- `test_shared_items` (a scope's items: csv, pdf at most 10 rows).
-- Call inside the test's transaction; the rollback removes them.
create or replace function exports_tests.register_test_sources() returns void
language sql
set search_path = ''
as $$
  select exports.register_source(name => 'test_items', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => (select array_agg(f.name order by f.position) from exports.formats f),
    option_types => '{"min": "integer"}');
  select exports.register_source(name => 'test_shared_items', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['csv', 'pdf'], row_limits => '{"pdf": 10}', requires_scope => true);
$$;

-- Registers source 'uncounted' (csv, jsonl, xlsx) whose count function fails
-- with 'counted': a request that counts its rows at all shows it.
create or replace function exports_tests.refusing_count(options jsonb) returns bigint
language plpgsql stable security invoker set search_path = '' as $$
begin
  raise exception 'counted';
end
$$;

create or replace function exports_tests.register_uncounted_source() returns void
language sql
set search_path = ''
as $$
  select exports.register_source(name => 'uncounted', rows_function => 'exports_tests.item_rows(jsonb)',
    count_function => 'exports_tests.refusing_count(jsonb)', formats => array['csv', 'jsonl', 'xlsx']);
$$;

-- Requests an export as the named user and returns its id; the caller's
-- identity is cleared afterwards.
create or replace function exports_tests.request_as(
  user_name text, source text default 'test_items', format text default 'csv',
  options jsonb default '{}', scope uuid default null
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  created uuid;
begin
  perform exports_tests.authenticate_as(user_name);
  select r.export_id into created
  from public.request_export(source => source, format => format, options => options, scope => scope) r;
  perform exports_tests.clear_authentication();
  return created;
end
$$;

-- Claims one specific export for a worker, whatever else is queued.
create or replace function exports_tests.claim(export_id uuid, worker_id text default 'worker-1') returns exports.claimed_export
language sql
set search_path = ''
as $$
  update exports.exports e set priority = 32767 where e.export_id = claim.export_id;
  select c from exports.claim_exports(worker_id => worker_id, max_exports => 1) c;
$$;

-- Takes a claimed export through to completed.
create or replace function exports_tests.complete(export_id uuid) returns void
language sql
set search_path = ''
as $$
  select exports_tests.claim(export_id);
  select exports.complete_export(export_id => export_id, worker_id => 'worker-1', file_size => 42,
    checksum_sha256 => repeat('ab', 32), row_count => 3);
$$;

-- Claims one specific export for a worker and stages its rows as the slice
-- runner does; returns the checkpoint (null when staging stopped it).
create or replace function exports_tests.stage(export_id uuid, worker_id text default 'worker-1') returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  claimed exports.claimed_export := exports_tests.claim(export_id, worker_id);
begin
  return exports.stage_export(export_id, worker_id, claimed.attempt);
end
$$;

-- pg_net and Vault as the wake-up sees them, for one test's transaction: the
-- local stack has neither. net.http_post records each request it is asked to
-- send in net.requests_sent instead of queueing it; Vault holds `secrets`
-- (name: value), and is left out when they are null.
create or replace function exports_tests.install_pg_net_and_vault(secrets jsonb default '{}') returns void
language plpgsql
set search_path = ''
as $$
begin
  create schema net;
  create table net.requests_sent (url text, body jsonb, headers jsonb);
  create function net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
    headers jsonb default '{"Content-Type": "application/json"}', timeout_milliseconds int default 5000)
  returns bigint
  language sql
  as $body$ insert into net.requests_sent values (url, body, headers) returning 1::bigint $body$;
  if secrets is not null then
    create schema vault;
    create table vault.decrypted_secrets (name text, decrypted_secret text);
    insert into vault.decrypted_secrets select s.key, s.value from jsonb_each_text(secrets) s;
  end if;
end
$$;

grant execute on all functions in schema exports_tests to anon, authenticated, service_role;

begin;
select plan(3);

select has_schema('exports_tests', 'the helpers have a schema of their own');
select has_function('exports_tests', 'request_as', array['text', 'text', 'text', 'jsonb', 'uuid'],
  'a test can request an export as a user by name');
select is(
  (select count(*) from pg_proc p
   where p.pronamespace = 'exports_tests'::regnamespace and not has_function_privilege('authenticated', p.oid, 'execute')),
  0::bigint, 'every helper can be called while acting as a user');

select * from finish();
rollback;
