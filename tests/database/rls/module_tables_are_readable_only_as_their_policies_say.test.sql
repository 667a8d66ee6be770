-- Reads of every module table follow its policy: memberships, usage and events are the caller's own; settings and orphaned files are service_role's.
begin;
select plan(19);

select exports_tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'member') as scope \gset
select exports_tests.request_as('owner') as private_id \gset
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as shared_id \gset

-- The vocabularies as their owner sees them, to compare with what a signed-in user reads.
select (select count(*) from exports.error_codes) as error_codes,
       (select count(*) from exports.failure_codes) as failure_codes,
       (select count(*) from exports.formats) as formats,
       (select count(*) from exports.broadcast_events) as broadcast_events \gset

select exports_tests.authenticate_as('member');
select results_eq('select user_id from exports.scope_members', format('values (%L::uuid)', exports_tests.user_id('member')),
  'a member sees only their own scope membership');
select is_empty('select * from exports.usage', 'a member who requested nothing sees no usage row');
select set_eq('select distinct export_id from exports.export_events', format('values (%L::uuid)', :'shared_id'),
  'a member sees the events of the shared export only');
select ok((select count(*) from exports.sources) >= 2, 'a signed-in user sees the registered sources');
select is((select count(*)::int from exports.error_codes), :error_codes, 'a signed-in user sees every error code');
select is((select count(*)::int from exports.failure_codes), :failure_codes, 'a signed-in user sees every failure code');
select is((select count(*)::int from exports.formats), :formats, 'a signed-in user sees every format');
select is((select count(*)::int from exports.broadcast_events), :broadcast_events, 'a signed-in user sees every broadcast event');
select is((select count(*)::int from exports.option_choices where source = 'analytics'), 7,
  'a signed-in user sees the choices of the sources'' options');
select throws_ok('select * from exports.settings', '42501', 'permission denied for table settings',
  'a signed-in user cannot read the settings');
select throws_ok('select * from exports.orphaned_files', '42501', 'permission denied for table orphaned_files',
  'a signed-in user cannot read the orphaned files');

select exports_tests.authenticate_as('owner');
select results_eq('select user_id from exports.usage', format('values (%L::uuid)', exports_tests.user_id('owner')),
  'the owner sees their own usage');
select set_eq('select distinct export_id from exports.export_events', format('values (%L::uuid), (%L::uuid)', :'private_id', :'shared_id'),
  'the owner sees the events of both exports');

select exports_tests.authenticate_as('outsider');
select is_empty('select * from exports.export_events', 'a non-member sees no events');
select is_empty('select * from exports.scope_members', 'a non-member sees no memberships');

select exports_tests.authenticate_as_anon();
select throws_ok('select * from exports.sources', '42501', 'permission denied for schema exports', 'anon cannot read sources');
select throws_ok('select * from exports.export_events', '42501', 'permission denied for schema exports', 'anon cannot read events');

select exports_tests.authenticate_as_service_role();
select is((select count(*)::int from exports.settings), 1, 'service_role reads the settings');
select ok((select count(*) from exports.export_events where export_id in (:'private_id', :'shared_id')) >= 2,
  'service_role reads every event');

select * from finish();
rollback;
