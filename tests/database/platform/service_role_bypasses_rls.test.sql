-- service_role reads rows that no policy grants, as on Supabase (it has BYPASSRLS).
begin;
select plan(2);

insert into storage.buckets (id, name) values ('platform-test', 'platform-test');
insert into storage.objects (bucket_id, name) values ('platform-test', 'a/b.txt');

select ok((select rolbypassrls from pg_roles where rolname = 'service_role'),
  'service_role has the BYPASSRLS attribute');

set local role service_role;
select is((select count(*)::int from storage.objects where bucket_id = 'platform-test'), 1,
  'service_role sees storage objects although no policy grants them');

select * from finish();
rollback;
