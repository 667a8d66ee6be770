-- complete_exports completes the exports the worker holds in one call, says which it completed,
-- and refuses completions it cannot read.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as mine \gset
select exports_tests.request_as('owner') as also_mine \gset
select exports_tests.request_as('owner') as theirs \gset
select exports_tests.claim(:'mine');
select exports_tests.claim(:'also_mine');
select exports_tests.claim(:'theirs', worker_id => 'worker-2');

select set_eq(
  format($$ select export_id, completed from exports.complete_exports('worker-1', %L) $$,
    jsonb_build_array(
      jsonb_build_object('export_id', :'mine', 'file_size', 10, 'checksum_sha256', repeat('ab', 32), 'row_count', 1),
      jsonb_build_object('export_id', :'also_mine', 'file_size', 20, 'checksum_sha256', repeat('cd', 32), 'row_count', 2),
      jsonb_build_object('export_id', :'theirs', 'file_size', 30, 'checksum_sha256', repeat('ef', 32), 'row_count', 3))),
  format($$ values (%L::uuid, false), (%L::uuid, true), (%L::uuid, true) $$, :'theirs', :'mine', :'also_mine'),
  'each completion says whether it took: not for an export another worker holds');
select is((select array_agg(status || ' ' || file_size order by file_size) from exports.exports
           where export_id in (:'mine', :'also_mine')), array['completed 10', 'completed 20'],
  'both held exports are completed with their own files');
select is((select status from exports.exports where export_id = :'theirs'), 'processing',
  'the other worker''s export is untouched');
select is((select count(*)::int from exports.export_events where export_id in (:'mine', :'also_mine') and event = 'completed'), 2,
  'each completion is audited');
select throws_ok($$ select * from exports.complete_exports('worker-1', '[{"export_id": null}]') $$, '22023',
  'completions must be an array of {export_id, file_size, checksum_sha256, row_count}',
  'a completion without its file is refused with what to send');

select * from finish();
rollback;
