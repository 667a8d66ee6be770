-- A token whose sub names no user (deleted since it was issued, or not a user
-- id at all) is refused with EX009 by every RPC, not with a bare 23503 or 22P02.
begin;
select plan(4);

select exports_tests.create_user('gone');
select exports_tests.register_test_sources();
select exports_tests.authenticate_as('gone');
reset role;
delete from auth.users where id = exports_tests.user_id('gone');
set local role authenticated;

select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX009', 'the signed-in user no longer exists',
  'a deleted user cannot request an export');
select throws_ok($$ select public.list_exports() $$,
  'EX009', 'the signed-in user no longer exists',
  'a deleted user cannot list exports');

select set_config('request.jwt.claims', '{"sub": "not-a-uuid", "role": "authenticated"}', true);
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX009', 'the access token''s subject is not a user id',
  'a sub that is not a UUID cannot request an export');
select throws_ok($$ select public.cancel_export(gen_random_uuid()) $$,
  'EX009', 'the access token''s subject is not a user id',
  'a sub that is not a UUID cannot cancel an export');

select * from finish();
rollback;
