-- Broadcasting never fails an export: when realtime.messages refuses the messages, the request, claim and completion
-- still commit, with a warning. Each message that is written is the row realtime.send would write.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
delete from realtime.messages;

select exports_tests.request_as('owner') as sent_id \gset
select ok(
  (select bool_and(m.id = (m.payload ->> 'id')::uuid and m.extension = 'broadcast' and m.private)
   from realtime.messages m),
  'a message is realtime.send''s row: a private broadcast whose payload carries its id');

-- A table that refuses every insert, as a missing partition on hosted would.
create function pg_temp.refuse() returns trigger language plpgsql as $$
begin
  raise exception 'no partition for this row';
end $$;
create trigger refuse before insert on realtime.messages for each row execute function pg_temp.refuse();
-- The module's warnings are expected here; the assertions say what matters.
set local client_min_messages = error;

select exports_tests.request_as('owner') as id \gset
select isnt(:'id'::uuid, null::uuid, 'the request commits');
select exports_tests.complete(:'id');
select is((select status from exports.exports where export_id = :'id'), 'completed', 'the export completes');
select is((select count(*) from realtime.messages), 1::bigint, 'and nothing more was broadcast');

select * from finish();
rollback;
