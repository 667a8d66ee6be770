-- register_report takes a security invoker function of the options returning jsonb, for a source that offers xlsx or
-- pdf; report_statement then gives the worker the call that computes an export's report as its user, for those two
-- formats only, and nothing once the function is gone.
begin;
select plan(8);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports.register_source(name => 'csv_only', rows_function => 'exports_tests.item_rows(jsonb)', formats => array['csv']);

create function exports_tests.item_report(options jsonb) returns jsonb
language sql stable security invoker
begin atomic
  select jsonb_build_object('title', 'Items', 'figures', jsonb_build_array(
    jsonb_build_object('label', 'Items', 'count', true, 'value', count(*))))
  from exports_tests.item_rows(options);
end;
grant execute on function exports_tests.item_report(jsonb) to authenticated;
create function exports_tests.definer_report(options jsonb) returns jsonb
language sql security definer set search_path = '' as $$ select '{}'::jsonb $$;
create function exports_tests.text_report(options jsonb) returns text
language sql set search_path = '' as $$ select '' $$;

select throws_ok($$ select exports.register_report('nowhere', 'exports_tests.item_report(jsonb)') $$,
  'EX030', 'there is no source nowhere to give a report', 'a report for no source is refused');
select throws_ok($$ select exports.register_report('csv_only', 'exports_tests.item_report(jsonb)') $$,
  'EX030', 'source csv_only offers neither xlsx nor pdf, the formats a report lays out',
  'a report for a source whose formats lay none out is refused');
select throws_ok($$ select exports.register_report('test_items', 'exports_tests.definer_report(jsonb)') $$,
  'EX030', 'report function exports_tests.definer_report(jsonb) must be security invoker',
  'a security definer report function is refused: RLS must decide its figures');
select throws_ok($$ select exports.register_report('test_items', 'exports_tests.text_report(jsonb)') $$,
  'EX030', null, 'a report function that does not return jsonb is refused');

select exports.register_report('test_items', 'exports_tests.item_report(jsonb)');
select exports_tests.add_items('owner', 3);
-- Requested first: report_statement is stable and sees the snapshot its statement started with.
create temp table requested as
select format, exports_tests.request_as('owner', 'test_items', format) as export_id
from unnest(array['csv', 'pdf', 'xlsx']) format;
select is(exports.report_statement((select export_id from requested where format = 'csv')), null,
  'a csv export has no report');
select is(exports.report_statement((select export_id from requested where format = 'pdf')),
  $$select exports_tests.item_report('{}'::jsonb)$$,
  'a pdf export''s report is its function called with the export''s options');

create function exports_tests.run_report(statement text) returns jsonb
language plpgsql set search_path = '' as $$
declare
  report jsonb;
begin
  execute statement into report;
  return report;
end
$$;
grant execute on function exports_tests.run_report(text) to authenticated;
create temp table statements as
select exports.report_statement(export_id) as statement from requested where format = 'xlsx';
grant select on statements to authenticated;
select exports_tests.authenticate_as('owner');
select is((select (exports_tests.run_report(s.statement) -> 'figures' -> 0 ->> 'value')::int from statements s), 3,
  'the statement computes the report as the user');
select exports_tests.clear_authentication();

drop function exports_tests.item_report(jsonb);
select is(exports.report_statement((select export_id from requested where format = 'pdf')), null,
  'a report whose function was dropped leaves the lines as a grid');

select * from finish();
rollback;
