-- A user reads and writes only their own conversations and messages; anon reaches none.
begin;
select plan(6);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
insert into sample.conversations (id, user_id, title) values
  ('c1000000-0000-4000-8000-000000000001', exports_tests.user_id('owner'), 'mine');
insert into sample.messages (conversation_id, user_id, position, role, content) values
  ('c1000000-0000-4000-8000-000000000001', exports_tests.user_id('owner'), 1, 'user', 'hello');

select exports_tests.authenticate_as('other');
select is_empty($$ select * from sample.conversations where id = 'c1000000-0000-4000-8000-000000000001' $$,
  'another user does not see the conversation');
select is_empty($$ select * from sample.messages where conversation_id = 'c1000000-0000-4000-8000-000000000001' $$,
  'another user does not see its messages');
select throws_ok($$ insert into sample.messages (conversation_id, user_id, position, role, content)
    values ('c1000000-0000-4000-8000-000000000001', auth.uid(), 2, 'user', 'intrusion') $$, '42501', null,
  'another user cannot add a message to it');
update sample.conversations set title = 'taken' where id = 'c1000000-0000-4000-8000-000000000001';

select exports_tests.authenticate_as('owner');
select is((select title from sample.conversations where id = 'c1000000-0000-4000-8000-000000000001'), 'mine',
  'another user''s update changed nothing, and the owner sees the conversation');
select lives_ok($$ insert into sample.messages (conversation_id, position, role, content)
    values ('c1000000-0000-4000-8000-000000000001', 2, 'assistant', 'hi') $$, 'the owner adds a message');

select exports_tests.authenticate_as_anon();
select throws_ok('select * from sample.conversations', '42501', null, 'anon cannot read conversations');

select * from finish();
rollback;
