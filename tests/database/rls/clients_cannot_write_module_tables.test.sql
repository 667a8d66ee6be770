-- Nobody, owner, other user, scope member, non-member, anon or service_role, may insert, update or delete rows of any module table: all writes go through functions.
begin;
select plan(198);

select exports_tests.create_user(u) from unnest(array['owner', 'other', 'member', 'outsider']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'member') as scope \gset
select exports_tests.request_as('owner');
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope');

create temp table attempts as
select r.role_name, t.table_name, o.sql
from unnest(array['owner', 'other', 'member', 'outsider', 'anon', 'service_role']) r (role_name)
cross join unnest(array['settings', 'sources', 'scope_members', 'exports', 'export_events', 'usage',
  'error_codes', 'failure_codes', 'formats', 'orphaned_files', 'broadcast_events']) t (table_name)
cross join lateral (values
  (format('insert into exports.%I default values', t.table_name)),
  (format('update exports.%I set %I = %I', t.table_name,
    (select a.attname from pg_attribute a where a.attrelid = format('exports.%I', t.table_name)::regclass and a.attnum = 2),
    (select a.attname from pg_attribute a where a.attrelid = format('exports.%I', t.table_name)::regclass and a.attnum = 2))),
  (format('delete from exports.%I', t.table_name))
) o (sql);
-- Runs one attempt as the role and reports it, back as the test's superuser.
create function pg_temp.attempt_as(role_name text, sql text, description text) returns text language plpgsql as $$
declare
  result text;
begin
  case role_name
    when 'anon' then perform exports_tests.authenticate_as_anon();
    when 'service_role' then perform exports_tests.authenticate_as_service_role();
    else perform exports_tests.authenticate_as(role_name);
  end case;
  result := throws_ok(sql, '42501', null, description);
  perform exports_tests.clear_authentication();
  return result;
end $$;

select pg_temp.attempt_as(a.role_name, a.sql,
  format('%s may not %s %s', a.role_name, split_part(a.sql, ' ', 1), a.table_name))
from attempts a;

select * from finish();
rollback;
