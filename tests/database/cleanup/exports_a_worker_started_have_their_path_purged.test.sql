-- A worker that started an export may have stored its file without recording it (it died after
-- the upload, or a crash lost the completion), so every started export that ends failed or
-- canceled has the paths of all its attempts purged, and its row is kept until then. One never
-- started has no file.
begin;
select plan(8);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set record_retention = '30 days', max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as lost_lease \gset
select exports_tests.request_as('owner') as never_started \gset
-- Where attempt n stores its file, worked out here rather than by the module.
select format('%s/%s/1/%s', exports_tests.user_id('owner'), :'lost_lease', file_name) as first_path,
       format('%s/%s/2/%s', exports_tests.user_id('owner'), :'lost_lease', file_name) as second_path
from exports.exports where export_id = :'lost_lease' \gset

-- Its worker dies after the upload, twice: the lease runs out and the cleanup queues the export
-- again, then fails it once the last attempt's lease runs out.
update exports.exports set max_attempts = 2 where export_id = :'lost_lease';
select is((exports_tests.claim(:'lost_lease')).storage_path, :'first_path', 'the first attempt stores its file at a path of its own');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'lost_lease';
select exports.cleanup_expired_exports();
select is((exports_tests.claim(:'lost_lease')).storage_path, :'second_path',
  'the second attempt stores its file elsewhere: a worker still running the first cannot touch it');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'lost_lease';
select exports.cleanup_expired_exports();
update exports.exports set status = 'canceled' where export_id = :'never_started';

select is((select status from exports.exports where export_id = :'lost_lease'), 'failed',
  'the export whose worker died on its last attempt is failed');
select is((select storage_paths from exports.objects_to_purge() where export_id = :'lost_lease'),
  array[:'first_path', :'second_path'],
  'the paths of both attempts are listed for purging, though no file was recorded');
select is((select count(*)::int from exports.objects_to_purge() where export_id = :'never_started'), 0,
  'an export no worker started is not listed');

update exports.exports
set requested_at = now() - interval '31 days', finished_at = now() - interval '31 days', updated_at = now() - interval '31 days'
where export_id in (:'lost_lease', :'never_started');
select exports.cleanup_expired_exports();
select is((select count(*)::int from exports.exports where export_id = :'lost_lease'), 1,
  'past retention, the started export is kept until its path is purged');
select is((select count(*)::int from exports.exports where export_id = :'never_started'), 0,
  'the one never started is pruned');

select exports.record_purged(array[:'lost_lease'::uuid]);
select exports.cleanup_expired_exports();
select is((select count(*)::int from exports.exports where export_id = :'lost_lease'), 0,
  'once purged, it is pruned too');

select * from finish();
rollback;
