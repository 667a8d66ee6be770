-- The jobs pg_cron runs every few seconds (the wake-up) and every minute (the cleanup) must be able
-- to reach exports.exports through its indexes: on a table of a million exports a sequential scan
-- costs over a second each time. With sequential scans disabled, a statement that has no usable
-- index still scans the table, and the scan count shows it.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner');
set local enable_seqscan = off;

create temporary table scans as
  select seq_scan from pg_stat_xact_user_tables where relid = 'exports.exports'::regclass;
select exports.wake_worker();
select is(
  (select s.seq_scan - b.seq_scan from pg_stat_xact_user_tables s, scans b where s.relid = 'exports.exports'::regclass),
  0::bigint,
  'the wake-up finds due exports through an index');

update scans set seq_scan = (select seq_scan from pg_stat_xact_user_tables where relid = 'exports.exports'::regclass);
select exports.cleanup_expired_exports();
select is(
  (select s.seq_scan - b.seq_scan from pg_stat_xact_user_tables s, scans b where s.relid = 'exports.exports'::regclass),
  0::bigint,
  'the cleanup expires, requeues, lists files and prunes through indexes');

select * from finish();
rollback;
