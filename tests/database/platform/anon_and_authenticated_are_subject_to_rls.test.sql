-- anon and authenticated see only what a policy grants them, as on Supabase.
begin;
select plan(3);

insert into storage.buckets (id, name) values ('platform-test', 'platform-test');
insert into storage.objects (bucket_id, name) values ('platform-test', 'a/b.txt');

set local role anon;
select is((select count(*)::int from storage.objects where bucket_id = 'platform-test'), 0,
  'anon sees no storage objects when no policy grants them');

set local role authenticated;
set local request.jwt.claims = '{"sub": "6f0d2d3e-6a59-4a43-8d0c-2f4b3c1a9e11", "role": "authenticated"}';
select is((select count(*)::int from storage.objects where bucket_id = 'platform-test'), 0,
  'an authenticated user sees no storage objects when no policy grants them');

reset role;
select is((select rolbypassrls from pg_roles where rolname = 'anon'), false,
  'anon does not have the BYPASSRLS attribute');

select * from finish();
rollback;
