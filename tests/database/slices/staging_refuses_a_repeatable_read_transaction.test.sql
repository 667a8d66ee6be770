-- stage_export must see the heartbeats that update its export while it stages, so it refuses to run in a
-- repeatable read transaction, with a message that says which it needs.
begin;
set transaction isolation level repeatable read;
select plan(1);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

select throws_ok(format($$ select exports.stage_export(%L, 'worker-1', 1) $$, :'id'), '25000',
  'stage_export runs in a read committed transaction; this one is repeatable read',
  'a repeatable read transaction is refused');

select * from finish();
rollback;
