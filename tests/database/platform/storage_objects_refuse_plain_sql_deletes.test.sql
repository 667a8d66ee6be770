-- Deleting Storage rows with plain SQL fails, as on Supabase: files must go through the Storage API.
begin;
select plan(2);

insert into storage.buckets (id, name) values ('platform-test', 'platform-test');
insert into storage.objects (bucket_id, name) values ('platform-test', 'a/b.txt');

select throws_ok(
  $$delete from storage.objects where bucket_id = 'platform-test'$$,
  '42501',
  'Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  'a plain-SQL delete from storage.objects is refused'
);

set local storage.allow_delete_query = 'true';
delete from storage.objects where bucket_id = 'platform-test';
select is((select count(*)::int from storage.objects where bucket_id = 'platform-test'), 0,
  'the Storage server''s own deletes, which set storage.allow_delete_query, go through');

select * from finish();
rollback;
