-- One batch of empty queued exports for the queue figure, spread over the
-- export users; triggers run, as they do for real requests, so the usage
-- counters stay consistent when the queue functions complete them.
-- psql variables: queue_exports, export_users.

insert into exports.exports (owner_id, source, format, max_attempts, content_type, file_name, storage_path)
select bench.user_id(1 + n % :export_users), 'conversations', 'csv', 3, 'text/csv',
       format('queue-%s.csv', n), format('bench-queue/%s.csv', n)
from generate_series(1, :queue_exports) as n;
