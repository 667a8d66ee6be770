-- list_export_events gives the requester their export's audit trail, oldest first, naming who acted; other users see none of it.
begin;
select plan(5);

select exports_tests.create_user(u) from unnest(array['owner', 'outsider']) u;
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 3);

select exports_tests.request_as('owner') as id \gset
select exports_tests.complete(:'id');
select exports_tests.authenticate_as('owner');
select public.record_export_download(:'id');

-- The clock is frozen in a transaction, so every event has the same
-- occurred_at and their order is the order the triggers wrote them in.
select results_eq(format('select event, actor_id from public.list_export_events(%L)', :'id'),
  format($$ values ('requested', %1$L::uuid), ('started', null), ('completed', null), ('downloaded', %1$L) $$,
    exports_tests.user_id('owner')),
  'the requester sees requested, started, completed and downloaded in order, their own actions as theirs and the worker''s as no one''s');
select is((select detail from public.list_export_events(:'id') where event = 'requested'),
  (select jsonb_build_object('source', e.source, 'format', e.format, 'rows_expected', e.rows_expected)
   from jsonb_populate_record(null::public.export_summary, public.get_export(:'id')) e),
  'the request''s event says what was requested');
select is((select detail from public.list_export_events(:'id') where event = 'completed'),
  (select jsonb_build_object('attempt', 1, 'row_count', e.row_count, 'file_size', e.file_size)
   from jsonb_populate_record(null::public.export_summary, public.get_export(:'id')) e),
  'the completion''s event carries the attempt and the file the export now has');
select is((select detail from public.list_export_events(:'id') where event = 'downloaded'),
  (select jsonb_build_object('download_count', e.download_count) from jsonb_populate_record(null::public.export_summary, public.get_export(:'id')) e),
  'the download''s event carries the count of downloads');

select exports_tests.authenticate_as('outsider');
select is_empty(format('select * from public.list_export_events(%L)', :'id'),
  'another user sees none of its events');

select * from finish();
rollback;
