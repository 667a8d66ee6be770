-- A claimed export's statement, run as its requester the way the worker runs it, returns that user's rows and never another user's.
begin;
select plan(5);

select tests.create_user(u) from unnest(array['owner', 'other']) u;
select tests.register_test_sources();
select tests.add_items('owner', 3);
select tests.add_items('other', 5);

select tests.request_as('owner', format => 'xlsx') as id \gset
select statement, claims from tests.claim(:'id') \gset

-- As the worker does: role authenticated, the claimed claims, then the statement.
set local role authenticated;
select set_config('request.jwt.claims', :'claims', true);
select results_eq(format('select label from (%s) s', :'statement'),
  $$ values ('owner''s item 1'), ('owner''s item 2'), ('owner''s item 3') $$,
  'the owner''s export holds exactly the owner''s rows');
reset role;

-- The sample sources, as alice and carol from the seed.
select tests.authenticate_as('owner');
select set_config('request.jwt.claims', json_build_object('sub', 'ca201000-0000-4000-8000-000000000003', 'role', 'authenticated')::text, true);
select is((select count(*)::int from sample.conversation_messages('{}')), (select count(*)::int from sample.messages m
  where m.user_id = 'ca201000-0000-4000-8000-000000000003'), 'carol''s conversation export holds all of carol''s messages');
select is((select count(*)::int from sample.conversation_documents('{}') d
  where d::text like '%a11ce%'), 0, 'and none of alice''s conversations');
select is((select count(*)::int from sample.budget_lines('{"scope_id": "40000000-0000-4000-8000-00000000a11b"}')), 0,
  'carol running the budget source on alice''s household gets no rows');
select throws_ok($$ select public.request_export(source => 'budget', format => 'csv',
    scope => '40000000-0000-4000-8000-00000000a11b') $$, 'EX005', null,
  'and carol may not request an export of alice''s household');

select * from finish();
rollback;
