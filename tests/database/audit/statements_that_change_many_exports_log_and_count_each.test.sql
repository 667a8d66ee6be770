-- The audit log and the usage figures are written per statement: one claim, one completion or one
-- insert that changes several exports of several users logs an event for each export, in order,
-- and adds each user's own share to their figures.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.create_user('other');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

-- One insert of five exports over two users (an operator's bulk load, say).
insert into exports.exports (owner_id, source, format, max_attempts, content_type, file_name, storage_path)
select exports_tests.user_id(case when n <= 3 then 'owner' else 'other' end), 'test_items', 'csv', 3, 'text/csv',
       format('bulk-%s.csv', n), format('bulk/%s.csv', n)
from generate_series(1, 5) n;

select is((select array_agg((u.exports_requested, u.active_exports)::text order by u.user_id = exports_tests.user_id('other'))
           from exports.usage u),
  array['(3,3)', '(2,2)'], 'one insert counts each user''s own requests as requested and active');

-- One claim takes all five, one completion finishes them.
select is((select count(*)::int from exports.claim_exports('worker-1', 10)), 5, 'one claim takes the five exports');
-- Export n of the load has n rows in a file of 100 * n bytes.
select exports.complete_exports('worker-1', jsonb_agg(jsonb_build_object(
  'export_id', e.export_id, 'file_size', 100 * n, 'checksum_sha256', repeat('ab', 32), 'row_count', n)))
from exports.exports e, lateral (select substring(e.file_name from 'bulk-(\d+)')::int as n) x;

select results_eq(
  $$ select e.file_name, v.event from exports.export_events v join exports.exports e using (export_id) order by v.id $$,
  $$ values ('bulk-1.csv', 'requested'), ('bulk-2.csv', 'requested'), ('bulk-3.csv', 'requested'),
            ('bulk-4.csv', 'requested'), ('bulk-5.csv', 'requested'),
            ('bulk-1.csv', 'started'), ('bulk-2.csv', 'started'), ('bulk-3.csv', 'started'),
            ('bulk-4.csv', 'started'), ('bulk-5.csv', 'started'),
            ('bulk-1.csv', 'completed'), ('bulk-2.csv', 'completed'), ('bulk-3.csv', 'completed'),
            ('bulk-4.csv', 'completed'), ('bulk-5.csv', 'completed') $$,
  'each export gets its own event for each statement, in the order of the exports');
select is((select count(*)::int from exports.export_events v join exports.exports e using (export_id)
           where v.event = 'completed' and v.detail = jsonb_build_object('attempt', 1, 'row_count', e.row_count, 'file_size', e.file_size)),
  5, 'each completion event carries its own export''s attempt, rows and size');
select is((select array_agg((u.active_exports, u.exports_completed, u.rows_exported, u.bytes_exported)::text
                            order by u.user_id = exports_tests.user_id('other'))
           from exports.usage u),
  array['(0,3,6,600)', '(0,2,9,900)'],
  'one completion adds each user''s own exports, rows (1+2+3, 4+5) and bytes, and leaves none active');

select * from finish();
rollback;
