-- Every RPC that names an export refuses or hides one the caller may not see, and serves a scope member as it serves the owner.
begin;
select plan(9);

select exports_tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
select exports_tests.create_scope('owner', 'member') as scope \gset
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as done_id \gset
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as queued_id \gset
select exports_tests.complete(:'done_id');

select exports_tests.authenticate_as('outsider');
select ok(public.get_export(:'done_id') is null, 'get_export hides it from a non-member');
select is_empty(format('select * from public.list_export_events(%L)', :'done_id'), 'list_export_events hides its events');
select throws_ok(format('select public.cancel_export(%L)', :'queued_id'), 'EX020',
  format('export %s does not exist or is not yours to see', :'queued_id'), 'cancel_export refuses it with EX020');
select throws_ok(format('select public.delete_export(%L)', :'done_id'), 'EX020', null, 'delete_export refuses it with EX020');
select throws_ok(format('select public.record_export_download(%L)', :'done_id'), 'EX020', null,
  'record_export_download refuses it with EX020');

select exports_tests.authenticate_as('member');
select is((select storage_path from public.record_export_download(:'done_id')),
  format('%s/%s/1/%s', :'scope', :'done_id', public.get_export(:'done_id')->>'file_name'),
  'a member records a download of the shared export and learns where its file is');
select is((select status from public.cancel_export(:'queued_id')), 'canceled', 'a member cancels a shared export');
select throws_ok(format('select public.record_export_download(%L)', :'queued_id'), 'EX022',
  format('export %s is canceled; only completed exports can be downloaded', :'queued_id'),
  'a canceled export cannot be downloaded');
select is((public.get_export(:'done_id')->>'download_count')::int, 1, 'the download is counted');

select * from finish();
rollback;
