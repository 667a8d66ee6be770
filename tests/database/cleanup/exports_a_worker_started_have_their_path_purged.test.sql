-- A worker that started an export may have stored its file without recording it (it died after
-- the upload, or a crash lost the completion), so every started export that ends failed or
-- canceled has its path purged, and its row is kept until then. One never started has no file.
begin;
select plan(6);

select tests.create_user('owner');
select tests.register_test_sources();
update exports.settings set record_retention = '30 days', max_active_exports_per_user = 10;

select tests.request_as('owner') as lost_lease \gset
select tests.request_as('owner') as never_started \gset
select tests.claim(:'lost_lease');
-- The worker died after its upload on the last attempt: the lease runs out and the cleanup fails it.
update exports.exports set max_attempts = 1, lease_expires_at = now() - interval '1 second'
where export_id = :'lost_lease';
select exports.cleanup_expired_exports();
update exports.exports set status = 'canceled' where export_id = :'never_started';

select is((select status from exports.exports where export_id = :'lost_lease'), 'failed',
  'the export whose worker died on its last attempt is failed');
select is((select storage_path from exports.objects_to_purge() where export_id = :'lost_lease'),
  (select storage_path from exports.exports where export_id = :'lost_lease'),
  'its path is listed for purging, though no file was recorded');
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
