-- A from/to range is refused as empty by the options' declared type, not by their text:
-- 9 comes before 10, and 12:00+05:00 before 08:00Z.
begin;
select plan(10);

select exports_tests.create_user('owner');
update exports.settings set max_active_exports_per_user = 100, max_exports_per_day = 100;

-- Registers exports_tests.item_rows as source range_<type> with from and to of that type.
create function exports_tests.register_range(type text) returns void
language sql set search_path = '' as $$
  select exports.register_source(name => 'range_' || type, rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['csv'], option_types => jsonb_build_object('from', type, 'to', type));
$$;
select exports_tests.register_range(t) from unnest(array['number', 'integer', 'timestamp', 'text']) t;

select exports_tests.authenticate_as('owner');

select lives_ok($$ select public.request_export(source => 'range_number', format => 'csv',
    options => '{"from": 9, "to": 10}') $$,
  'a number range from 9 to 10 is accepted');
select throws_ok($$ select public.request_export(source => 'range_number', format => 'csv',
    options => '{"from": 10, "to": 9.5}') $$,
  'EX004', 'option ''from'' (10) is after ''to'' (9.5)', 'a number range from 10 to 9.5 is refused with EX004');
select lives_ok($$ select public.request_export(source => 'range_integer', format => 'csv',
    options => '{"from": 9, "to": 10}') $$,
  'an integer range from 9 to 10 is accepted');
select throws_ok($$ select public.request_export(source => 'range_integer', format => 'csv',
    options => '{"from": 100, "to": 20}') $$,
  'EX004', 'option ''from'' (100) is after ''to'' (20)', 'an integer range from 100 to 20 is refused with EX004');
select lives_ok($$ select public.request_export(source => 'range_timestamp', format => 'csv',
    options => '{"from": "2026-01-31T12:00+05:00", "to": "2026-01-31T08:00Z"}') $$,
  'a timestamp range from 07:00Z (written with an offset) to 08:00Z is accepted');
select throws_ok($$ select public.request_export(source => 'range_timestamp', format => 'csv',
    options => '{"from": "2026-01-31T08:00Z", "to": "2026-01-31T12:00+05:00"}') $$,
  'EX004', 'option ''from'' (2026-01-31T08:00Z) is after ''to'' (2026-01-31T12:00+05:00)',
  'a timestamp range from 08:00Z to 07:00Z (written with an offset) is refused with EX004');
select lives_ok($$ select public.request_export(source => 'range_text', format => 'csv',
    options => '{"from": "a", "to": "b"}') $$,
  'a text range in order is accepted');
select throws_ok($$ select public.request_export(source => 'range_text', format => 'csv',
    options => '{"from": "b", "to": "a"}') $$,
  'EX004', 'option ''from'' (b) is after ''to'' (a)', 'a text range out of order is refused with EX004');

select exports_tests.clear_authentication();
select throws_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['csv'], option_types => '{"from": "date", "to": "timestamp"}') $$,
  'EX030', 'source x declares options from and to of different types: date and timestamp',
  'register_source refuses a range whose ends have different types');
select lives_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['csv'], option_types => '{"from": "date"}') $$,
  'register_source accepts a from without a to');

select * from finish();
rollback;
