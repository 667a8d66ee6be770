-- Every step of an export is broadcast, in order, as a private message on its owner's topic (or its scope's), with
-- the summary get_export answers; nothing goes to anybody else's topic.
begin;
select plan(9);

select exports_tests.create_user(u) from unnest(array['owner', 'member']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'member') as scope \gset
delete from realtime.messages;

select exports_tests.request_as('owner') as id \gset
select exports_tests.complete(:'id');
select exports_tests.request_as('owner') as canceled_id \gset
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'canceled_id');
select exports_tests.clear_authentication();
select exports_tests.request_as('member', source => 'test_shared_items', scope => :'scope') as shared_id \gset

select results_eq(
  format($$ select m.event from realtime.messages m where m.payload -> 'export' ->> 'export_id' = %L
            order by m.inserted_at, m.event = 'requested' desc, m.event = 'started' desc $$, :'id'),
  $$ values ('requested'), ('started'), ('completed') $$,
  'an export''s request, start and completion are broadcast in order');
select is(
  (select array_agg(distinct m.topic) from realtime.messages m
   where m.payload -> 'export' ->> 'export_id' in (:'id', :'canceled_id')),
  array['exports:user:' || exports_tests.user_id('owner')],
  'an export without a scope is broadcast on its owner''s topic only');
select is(
  (select array_agg(distinct m.topic) from realtime.messages m where m.payload -> 'export' ->> 'export_id' = :'shared_id'),
  array['exports:scope:' || :'scope'],
  'a scope''s export is broadcast on the scope''s topic only');
select ok(
  (select bool_and(m.private and m.extension = 'broadcast') from realtime.messages m),
  'every message is a broadcast for private channels');
select ok(
  exists (select from realtime.messages m where m.event = 'canceled' and m.payload -> 'export' ->> 'export_id' = :'canceled_id'),
  'a cancel is broadcast');

select exports_tests.authenticate_as('owner');
select public.get_export(:'id') as summary \gset
select exports_tests.clear_authentication();
select is(
  (select m.payload -> 'export' from realtime.messages m where m.event = 'completed'
     and m.payload -> 'export' ->> 'export_id' = :'id'),
  :'summary'::jsonb,
  'the completion carries the summary get_export answers, the file''s size, checksum and expiry included');
select is(
  (select count(*) from realtime.messages m where m.payload -> 'export' ? 'storage_path' or m.payload -> 'export' ? 'lease_owner'),
  0::bigint,
  'no message carries a storage path or a lease');

-- One statement that starts several exports sends a message of its own for each.
delete from realtime.messages;
select exports_tests.request_as('owner') as first_id \gset
select exports_tests.request_as('owner') as second_id \gset
select count(*) from exports.claim_exports(worker_id => 'worker-1', max_exports => 10);
select is(
  (select count(distinct m.id) from realtime.messages m where m.event = 'started'
     and m.payload -> 'export' ->> 'export_id' in (:'first_id', :'second_id')),
  2::bigint,
  'a claim of two exports broadcasts two messages, each with an id of its own');
select ok(
  (select bool_and(m.id = (m.payload ->> 'id')::uuid) from realtime.messages m),
  'each message''s payload carries the message''s own id');

select * from finish();
rollback;
