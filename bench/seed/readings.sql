-- The sliced exports' data set: `readings` rows for the slices bench user
-- (a narrow row of about 70 bytes of CSV, so ten million fit the machine's
-- disk twice over, staged and stored), and as many again for another user,
-- so RLS has rows to reject. Its own schema and source, `bench_readings`,
-- registered for csv and xlsx; option `rows` exports the first rows only.
-- psql variables: readings.

create schema if not exists bench_slices;
grant usage on schema bench_slices to authenticated;

create table bench_slices.readings (
  owner_id uuid not null,
  reading_id bigint not null,
  taken_at timestamptz not null,
  sensor text not null,
  value numeric(10, 3) not null,
  ok boolean not null,
  primary key (owner_id, reading_id)
);
alter table bench_slices.readings enable row level security;
create policy "Readings are viewable by their owner" on bench_slices.readings
  for select to authenticated using (owner_id = (select auth.uid()));
grant select on bench_slices.readings to authenticated;

insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('00000000-0000-4000-8000-00000000be10', 'authenticated', 'authenticated', 'bench-slices@example.com',
   now(), '{"provider":"email"}', '{}'),
  ('00000000-0000-4000-8000-00000000be11', 'authenticated', 'authenticated', 'bench-slices-other@example.com',
   now(), '{"provider":"email"}', '{}')
on conflict (id) do nothing;

-- Loaded in one statement per user, the primary key built after the load.
alter table bench_slices.readings drop constraint readings_pkey;
insert into bench_slices.readings (owner_id, reading_id, taken_at, sensor, value, ok)
select owner_id, n,
  timestamptz '2025-01-01 00:00:00+00' + n * interval '1 second',
  'sensor-' || (n % 1000),
  ((n * 7919) % 100000) / 1000.0,
  n % 17 <> 0
from (values ('00000000-0000-4000-8000-00000000be10'::uuid), ('00000000-0000-4000-8000-00000000be11'))
  as users (owner_id)
cross join generate_series(1::bigint, :readings) as n;
alter table bench_slices.readings add primary key (owner_id, reading_id);
analyze bench_slices.readings;

create or replace function bench_slices.readings(options jsonb)
returns table (reading_id bigint, taken_at timestamptz, sensor text, value numeric, ok boolean)
language sql stable security invoker set search_path = ''
as $$
  select r.reading_id, r.taken_at, r.sensor, r.value, r.ok
  from bench_slices.readings r
  where r.owner_id = (select auth.uid())
    and r.reading_id <= coalesce((options ->> 'rows')::bigint, 9223372036854775807)
  order by r.reading_id
$$;
grant execute on function bench_slices.readings(jsonb) to authenticated;

select exports.register_source(name => 'bench_readings',
  rows_function => 'bench_slices.readings(jsonb)', formats => array['csv', 'xlsx'],
  option_types => '{"rows": "integer"}');

update exports.settings set max_active_exports_per_user = 1000000, max_exports_per_day = 1000000;
