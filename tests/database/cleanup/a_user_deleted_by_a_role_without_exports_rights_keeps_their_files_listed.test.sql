-- Supabase Auth deletes users as its own role (supabase_auth_admin), which has no rights on the
-- exports schema; the cascade to their exports runs its triggers as that role. Deleting such a
-- user still works, and their stored files stay listed for the worker to purge.
begin;
select plan(2);

select exports_tests.create_user('leaver');
select exports_tests.register_test_sources();
select exports_tests.request_as('leaver') as id \gset
select exports_tests.complete(:'id');
select storage_path as path from exports.exports where export_id = :'id' \gset

create role tests_auth_admin nologin;
grant usage on schema auth to tests_auth_admin;
grant select, delete on auth.users to tests_auth_admin;

select exports_tests.user_id('leaver') as leaver \gset
-- Not through lives_ok: pgTAP's own bookkeeping is out of this role's reach.
-- Should the delete fail, the transaction aborts and the plan is not met.
set local role tests_auth_admin;
delete from auth.users where id = :'leaver';
reset role;
select is((select count(*)::int from auth.users where id = :'leaver'), 0,
  'a role with no rights on exports deletes a user who has a stored export');
select is((select storage_paths from exports.orphaned_files where export_id = :'id'), array[:'path'],
  'and the export''s file is listed for purging');

select * from finish();
rollback;
