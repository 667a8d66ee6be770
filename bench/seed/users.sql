-- The bench's users: the large and the small bench user (whose data the
-- exports read) and the other users whose rows share every table, so RLS
-- has rows to reject. psql variables: other_users.

insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('00000000-0000-4000-8000-00000000be00', 'authenticated', 'authenticated', 'bench-large@example.com',
   now(), '{"provider":"email"}', '{}'),
  ('00000000-0000-4000-8000-00000000be01', 'authenticated', 'authenticated', 'bench-small@example.com',
   now(), '{"provider":"email"}', '{}');

insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
select bench.user_id(n), 'authenticated', 'authenticated', format('user%s@example.com', n), now(),
       '{"provider":"email"}', '{}'
from generate_series(1, :other_users) as n;

-- Quotas are raised on the bench stack: the figures measure the work of a
-- request, not the refusal a user past the default quota would get. The
-- storage quota holds every run's files: a 1,000,000-span CSV export alone
-- takes over half of the default gigabyte.
update exports.settings set max_active_exports_per_user = 1000000, max_exports_per_day = 1000000,
  storage_quota_bytes = 1024::bigint * 1024 * 1024 * 1024;
