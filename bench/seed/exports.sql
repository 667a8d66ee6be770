-- The exports table at the size the RPC latency figures ask for: export_rows
-- past exports spread over export_users users (the first export_users other
-- users), requested over the last 90 days, secondary indexes built after the
-- load. Triggers are skipped while loading (session_replication_role =
-- replica): the audit log of a made-up history is not what is measured, and
-- the usage counters are rebuilt in one pass.
-- psql variables: export_rows, export_users.

set maintenance_work_mem = '512MB';
call bench.drop_secondary_indexes(array['exports.exports']::regclass[]);
set session_replication_role = replica;

insert into exports.exports (
  owner_id, source, format, compression, options, status, attempt, max_attempts,
  next_run_at, row_count, file_size, checksum_sha256, error_code, error_message, content_type,
  file_name, storage_path, expires_at, purged_at, requested_at, started_at, finished_at,
  created_at, updated_at)
select
  bench.user_id(1 + n % :export_users),
  'conversations', 'csv', 'none', '{}', status, 1, 3, at,
  case when status <> 'failed' then 1000 end,
  case when status <> 'failed' then 50000 end,
  case when status <> 'failed' then repeat('0', 64) end,
  case when status = 'failed' then 'export_timeout' end,
  case when status = 'failed' then (select f.message from exports.failure_codes f where f.code = 'export_timeout') end,
  'text/csv',
  format('conversations-%s.csv', n),
  format('%s/%s.csv', bench.user_id(1 + n % :export_users), n),
  -- Completed files are still downloadable, and the paths of expired and
  -- failed ones already purged, so pg_cron's cleanup and the worker find
  -- nothing to do in the made-up history.
  case status when 'completed' then now() + interval '7 days' when 'expired' then at + interval '7 days' end,
  case status when 'expired' then at + interval '7 days' when 'failed' then at + interval '1 minute' end,
  at, at, at + interval '2 seconds', at, at
from generate_series(1, :export_rows) as n,
     lateral (select now() - interval '1 hour' - (n % 7776000) * interval '1 second' as at) as requested,
     -- Mostly history, as a real table is: expired files, recent completed ones, some failures.
     lateral (select (array['expired', 'expired', 'expired', 'completed', 'failed'])[1 + n % 5] as status) as chosen;

set session_replication_role = origin;
call bench.rebuild_indexes();

insert into exports.usage (user_id, active_exports, exports_requested, exports_completed, last_requested_at)
select owner_id, 0, count(*), count(*) filter (where status in ('completed', 'expired')), max(requested_at)
from exports.exports
group by owner_id
on conflict (user_id) do update set
  exports_requested = excluded.exports_requested,
  exports_completed = excluded.exports_completed,
  last_requested_at = excluded.last_requested_at;

analyze exports.exports;
analyze exports.usage;
