-- When a user is deleted, their exports go with them, but their stored files stay listed until the worker purges them.
begin;
select plan(3);

select exports_tests.create_user('leaver');
select exports_tests.register_test_sources();
select exports_tests.request_as('leaver') as id \gset
select exports_tests.complete(:'id');
select storage_path as path from exports.exports where export_id = :'id' \gset

delete from auth.users where id = exports_tests.user_id('leaver');

select is((select count(*)::int from exports.exports where export_id = :'id'), 0, 'the export is deleted with its owner');
select is((select storage_paths from exports.objects_to_purge() where export_id = :'id'), array[:'path'],
  'its file is still listed for purging');
select exports.record_purged(array[:'id'::uuid]);
select is((select count(*)::int from exports.objects_to_purge() where export_id = :'id'), 0,
  'once purged it is no longer listed');

select * from finish();
rollback;
