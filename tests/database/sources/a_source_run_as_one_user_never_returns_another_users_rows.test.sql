-- A claimed export's statement, run as its requester the way the worker runs it, returns that user's rows and never another user's.
begin;
select plan(7);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 3);
select exports_tests.add_items('other', 5);

select exports_tests.request_as('owner', format => 'xlsx') as id \gset
select statement, claims from exports_tests.claim(:'id') \gset

-- As the worker does: role authenticated, the claimed claims, then the statement.
set local role authenticated;
select set_config('request.jwt.claims', :'claims', true);
select results_eq(format('select label from (%s) s', :'statement'),
  $$ values ('owner''s item 1'), ('owner''s item 2'), ('owner''s item 3') $$,
  'the owner''s export holds exactly the owner''s rows');
reset role;

-- The sample sources, as carol from the seed, against what the seed gave each
-- user, read first as the test's own role (which RLS does not filter): had a
-- source leaked any of alice's rows, they would show among carol's.
\set alice a11ce000-0000-4000-8000-000000000001
\set carol ca201000-0000-4000-8000-000000000003
\set alices_household 40000000-0000-4000-8000-00000000a11b
\set carols_household 40000000-0000-4000-8000-0000000ca201

create temp table carols_messages as
  select m.conversation_id, m.position, m.role, m.content from sample.messages m where m.user_id = :'carol';
-- Alice's messages name her conversations' orders, which carol's never do.
create temp table alices_own_contents as
  select m.content from sample.messages m where m.user_id = :'alice'
  except select c.content from carols_messages c;
create temp table household_lines as
  select i.household_id, count(*)::int as lines from sample.budget_line_items i group by i.household_id;
grant select on carols_messages, alices_own_contents, household_lines to authenticated;

set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', :'carol'::uuid, 'role', 'authenticated')::text, true);

select bag_eq($$ select conversation_id, message_position, role, content from sample.conversation_messages('{}') $$,
  $$ select conversation_id, position, role, content from carols_messages $$,
  'carol''s conversation rows are exactly carol''s messages');
select bag_eq($$ select m ->> 'role' as role, m ->> 'content' as content
                 from sample.conversation_documents('{}') d, jsonb_array_elements(d -> 'messages') m $$,
  $$ select role, content from carols_messages $$,
  'carol''s conversation documents hold exactly carol''s messages');
select is((select count(*)::int from sample.conversation_documents('{}') d, jsonb_array_elements(d -> 'messages') m
           where m ->> 'content' in (select a.content from alices_own_contents a)),
  0, 'and none of the messages only alice''s conversations hold');
select is((select count(*)::int from sample.budget_lines(json_build_object('scope_id', :'carols_household'::uuid)::jsonb)),
  (select h.lines from household_lines h where h.household_id = :'carols_household'),
  'carol running the budget source on her own household gets all of its lines');
select is((select count(*)::int from sample.budget_lines(json_build_object('scope_id', :'alices_household'::uuid)::jsonb)), 0,
  'and on alice''s household, none');
select throws_ok(format($$ select public.request_export(source => 'budget', format => 'csv', scope => %L) $$,
    :'alices_household'), 'EX005', null,
  'and carol may not request an export of alice''s household');

select * from finish();
rollback;
