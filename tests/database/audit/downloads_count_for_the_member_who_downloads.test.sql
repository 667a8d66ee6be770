-- A download counts in the usage figures of the user who made it, not of the export's owner, and its event names that user.
begin;
select plan(3);

select exports_tests.create_user(u) from unnest(array['owner', 'member']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'member') as scope \gset
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as a \gset
select exports_tests.complete(:'a');

select exports_tests.authenticate_as('member');
select public.record_export_download(:'a');
select exports_tests.clear_authentication();

select is((select downloads from exports.usage where user_id = exports_tests.user_id('member')), 1::bigint,
  'the member who downloaded has one download');
select is((select downloads from exports.usage where user_id = exports_tests.user_id('owner')), 0::bigint,
  'the owner, who did not download, has none');
select is((select actor_id from exports.export_events where export_id = :'a' and event = 'downloaded'),
  exports_tests.user_id('member'), 'the download event names the member as its actor');

select * from finish();
rollback;
