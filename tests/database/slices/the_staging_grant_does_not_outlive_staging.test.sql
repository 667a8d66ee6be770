-- The staging insert runs as authenticated through a grant that stage_export revokes before it returns: once
-- staged, no client role holds any privilege on the staged rows, which the user can neither read nor change.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 2);
select exports_tests.request_as('owner') as id \gset
select exports_tests.stage(:'id');

select ok(not has_table_privilege('authenticated', format('exports_staging.%I', :'id'), 'insert'),
  'authenticated may no longer insert into the staging table');
select is_empty($$ select table_name, privilege_type from information_schema.role_table_grants
                   where table_schema = 'exports_staging' and grantee in ('authenticated', 'anon', 'PUBLIC') $$,
  'no client role holds a privilege on any staged table');
select is(current_user::text, 'postgres', 'the caller''s role is back once staging is done');
select exports_tests.authenticate_as('owner');
select throws_ok(format('select * from exports_staging.%I', :'id'), '42501', null, 'the owner cannot read the staged rows');
select throws_ok(format('insert into exports_staging.%I (_position, n, label) values (99, 99, %L)', :'id', 'forged'),
  '42501', null, 'nor add a row to them');

select * from finish();
rollback;
