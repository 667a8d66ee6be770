-- The cleanup prunes finished exports and events past their retention, but never a row whose file is still stored.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set record_retention = '30 days', event_retention = '60 days', max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as old_canceled \gset
select exports_tests.request_as('owner') as old_unpurged \gset
select exports_tests.request_as('owner') as recent \gset
update exports.exports set status = 'canceled' where export_id in (:'old_canceled', :'recent');
select exports_tests.complete(:'old_unpurged');
update exports.exports set status = 'expired' where export_id = :'old_unpurged';
update exports.exports
set requested_at = now() - interval '31 days', finished_at = now() - interval '31 days', updated_at = now() - interval '31 days'
where export_id in (:'old_canceled', :'old_unpurged');
-- The log refuses changes, so an old event is inserted as it would have been written then.
insert into exports.export_events (export_id, owner_id, event, actor_role, occurred_at)
values (gen_random_uuid(), exports_tests.user_id('owner'), 'requested', 'authenticated', now() - interval '61 days');

select is((exports.cleanup_expired_exports() -> 'pruned_exports')::int, 1, 'one export is pruned');
select is((select count(*)::int from exports.exports where export_id = :'old_canceled'), 0,
  'a canceled export past retention is pruned');
select is((select count(*)::int from exports.exports where export_id in (:'old_unpurged', :'recent')), 2,
  'an export whose file is not purged yet, and a recent one, are kept');
select is((select count(*)::int from exports.export_events where occurred_at < now() - interval '60 days'), 0,
  'events past their retention are pruned');

select * from finish();
rollback;
