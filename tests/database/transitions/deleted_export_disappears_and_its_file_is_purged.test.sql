-- A deleted export disappears from its owner's lists at once, and its stored file is listed for purging until recorded.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();

select exports_tests.request_as('owner') as id \gset
select exports_tests.complete(:'id');

select exports_tests.authenticate_as('owner');
select public.delete_export(:'id');
select is((public.list_exports() ->> 'total_count')::int, 0, 'the deleted export is gone from the list');
select ok(public.get_export(:'id') is null, 'get_export no longer returns it');
select throws_ok(format($$ select public.delete_export(%L) $$, :'id'), 'EX020',
  format('export %s does not exist or is not yours to see', :'id'), 'deleting it again is refused with EX020');

select exports_tests.authenticate_as_service_role();
select is((select storage_paths from exports.objects_to_purge() where export_id = :'id'),
  (select array[storage_path] from exports.exports where export_id = :'id'), 'its file is listed for purging');
select is(exports.record_purged(array[:'id'::uuid]), 1, 'the worker records the purge');
select is((select count(*)::int from exports.objects_to_purge() where export_id = :'id'), 0,
  'a purged file is no longer listed');

select * from finish();
rollback;
