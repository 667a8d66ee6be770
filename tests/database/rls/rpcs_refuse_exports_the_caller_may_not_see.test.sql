-- Every RPC that names an export refuses or hides one the caller may not see, and serves a scope member as it serves the owner.
begin;
select plan(9);

select tests.create_user(u) from unnest(array['owner', 'member', 'outsider']) u;
select tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
select tests.create_scope('owner', 'member') as scope \gset
select tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as done_id \gset
select tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as queued_id \gset
select tests.complete(:'done_id');

select tests.authenticate_as('outsider');
select is((select count(*)::int from jsonb_populate_record(null::public.export_summary, public.get_export(:'done_id')) e where e.export_id is not null), 0, 'get_export hides it from a non-member');
select is_empty(format('select * from public.list_export_events(%L)', :'done_id'), 'list_export_events hides its events');
select throws_ok(format('select public.cancel_export(%L)', :'queued_id'), 'EX020',
  format('export %s does not exist or is not yours to see', :'queued_id'), 'cancel_export refuses it with EX020');
select throws_ok(format('select public.delete_export(%L)', :'done_id'), 'EX020', null, 'delete_export refuses it with EX020');
select throws_ok(format('select public.record_export_download(%L)', :'done_id'), 'EX020', null,
  'record_export_download refuses it with EX020');

select tests.authenticate_as('member');
select is((select storage_path from public.record_export_download(:'done_id')),
  format('%s/%s/1/%s', :'scope', :'done_id', (select file_name from jsonb_populate_record(null::public.export_summary, public.get_export(:'done_id')))),
  'a member records a download of the shared export and learns where its file is');
select is((select status from public.cancel_export(:'queued_id')), 'canceled', 'a member cancels a shared export');
select throws_ok(format('select public.record_export_download(%L)', :'queued_id'), 'EX022',
  format('export %s is canceled; only completed exports can be downloaded', :'queued_id'),
  'a canceled export cannot be downloaded');
select is((select download_count from jsonb_populate_record(null::public.export_summary, public.get_export(:'done_id'))), 1, 'the download is counted');

select * from finish();
rollback;
