-- Timestamp and date options accept only ISO 8601 text, which reads the same in the worker's
-- session as in the request's: no special values ('now' is another time there), and no
-- DateStyle-dependent forms.
begin;
select plan(20);

select exports_tests.create_user('owner');
update exports.settings set max_active_exports_per_user = 100, max_exports_per_day = 100;
select exports.register_source(name => 'dated', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv'], option_types => '{"at": "timestamp", "on": "date"}');

-- The SQLSTATE and hint a request for source 'dated' with these options is refused with.
create function exports_tests.refusal(options jsonb) returns text
language plpgsql set search_path = '' as $$
declare
  hint text;
begin
  perform public.request_export(source => 'dated', format => 'csv', options => options);
  return 'accepted';
exception when others then
  get stacked diagnostics hint = pg_exception_hint;
  return sqlstate || ': ' || hint;
end
$$;

select exports_tests.authenticate_as('owner');

select is(exports_tests.refusal(jsonb_build_object('at', v)),
  'EX004: Timestamps are ISO 8601: 2026-01-31T12:00:00Z, 2026-01-31 12:00+05:00, or a bare date 2026-01-31 for its midnight; without an offset, in the database''s time zone.',
  format('timestamp %s is refused with EX004 and a hint showing the accepted forms', v))
from unnest(array['now', 'tomorrow', 'epoch', 'infinity', '-infinity', '01/02/2026', 'Jan 2 2026',
  '2026-01-31T12:00:00 Europe/Paris', '2026-02-30T00:00Z', '2026-01-31T12:00+16:00']) v;

select is(exports_tests.refusal(jsonb_build_object('at', v)), 'accepted', format('timestamp %s is accepted', v))
from unnest(array['2026-01-31T12:00:00Z', '2026-01-31 12:00', '2026-01-31T12:00:00.123456+05:30',
  '2026-01-31t12:00z', '2026-01-31T12:00-03', '2026-01-31']) v;

select is(exports_tests.refusal(jsonb_build_object('on', v)), 'EX004: Dates are written YYYY-MM-DD.',
  format('date %s is refused with EX004', v))
from unnest(array['infinity', 'today', '01/02/2026']) v;

select exports_tests.clear_authentication();
select isnt((select provolatile from pg_proc where oid = 'exports._is_of_option_type(jsonb, text)'::regprocedure), 'i',
  'the option type check is not immutable, since reading a timestamp depends on the session''s time zone');

select * from finish();
rollback;
