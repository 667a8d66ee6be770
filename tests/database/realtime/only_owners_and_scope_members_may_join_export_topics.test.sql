-- Realtime lets a client join a private topic when, as that user with the topic in realtime.topic, a broadcast
-- message on it is readable: owners may join their own topic, current scope members their scope's, nobody else.
begin;
select plan(8);

select exports_tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
select exports_tests.create_scope('owner', 'member') as scope \gset

-- The check hosted Realtime runs on join (lib/realtime/tenants/authorization.ex): a message on the topic inserted
-- with the server's rights, then selected as the user with realtime.topic set.
create function pg_temp.can_join(user_name text, joined text) returns boolean
language plpgsql
as $$
declare
  probe uuid;
  readable boolean;
begin
  insert into realtime.messages (topic, extension) values (joined, 'broadcast') returning id into probe;
  perform exports_tests.authenticate_as(user_name);
  perform set_config('realtime.topic', joined, true);
  select exists (select from realtime.messages m where m.id = probe and m.topic = joined) into readable;
  perform exports_tests.clear_authentication();
  perform set_config('realtime.topic', '', true);
  return readable;
end
$$;
grant execute on function pg_temp.can_join(text, text) to authenticated;

select ok(pg_temp.can_join('owner', 'exports:user:' || exports_tests.user_id('owner')), 'an owner may join their own topic');
select ok(not pg_temp.can_join('outsider', 'exports:user:' || exports_tests.user_id('owner')),
  'nobody may join another user''s topic');
select ok(pg_temp.can_join('member', 'exports:scope:' || :'scope'), 'a scope member may join the scope''s topic');
select ok(not pg_temp.can_join('outsider', 'exports:scope:' || :'scope'), 'a non-member may not join a scope''s topic');
select ok(not pg_temp.can_join('outsider', 'exports:user:'), 'a topic naming nobody is refused');

delete from exports.scope_members where scope_id = :'scope' and user_id = exports_tests.user_id('member');
select ok(not pg_temp.can_join('member', 'exports:scope:' || :'scope'), 'a member who left may no longer join');

-- Setting realtime.topic by hand opens the user's own topic only, never another's messages.
insert into realtime.messages (topic, extension, event, payload)
  values ('exports:user:' || exports_tests.user_id('outsider'), 'broadcast', 'requested', '{}');
select exports_tests.authenticate_as('owner');
select set_config('realtime.topic', 'exports:user:' || exports_tests.user_id('owner'), true);
select is_empty($$ select from realtime.messages where topic <> realtime.topic() $$,
  'a user reads no message of another topic, whatever realtime.topic says');
select exports_tests.clear_authentication();

select exports_tests.authenticate_as_anon();
select set_config('realtime.topic', 'exports:user:' || exports_tests.user_id('owner'), true);
select is_empty($$ select from realtime.messages $$, 'anon reads no message');
select exports_tests.clear_authentication();

select * from finish();
rollback;
