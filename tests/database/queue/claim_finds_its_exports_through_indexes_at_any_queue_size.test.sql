-- claim_exports keeps one generic plan for the session, made without knowing
-- how many exports a call claims: whatever the table's size, it must reach
-- the queue and the exports it takes through indexes, never by reading the
-- whole table (a plan for "a tenth of the queue" once did, on every claim).
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();

insert into exports.exports (owner_id, source, format, max_attempts, content_type, file_name, storage_path)
select exports_tests.user_id('owner'), 'test_items', 'csv', 3, 'text/csv', format('%s.csv', n), format('queued/%s.csv', n)
from generate_series(1, 5000) n;
analyze exports.exports;

create temporary table scans_before as
  select seq_scan, idx_scan from pg_stat_xact_user_tables where relid = 'exports.exports'::regclass;

select is((select count(*) from exports.claim_exports(worker_id => 'worker-1', max_exports => 4)), 4::bigint,
  'the claim takes four of the 5,000 queued exports');
select is(
  (select s.seq_scan - b.seq_scan from pg_stat_xact_user_tables s, scans_before b
   where s.relid = 'exports.exports'::regclass),
  0::bigint,
  'it reads no part of the exports table sequentially');

select * from finish();
rollback;
