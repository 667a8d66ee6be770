-- A request over a row limit (EX012) is told to narrow its options, and to choose csv only when
-- the source offers csv without a limit of its own.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports.register_source(name => 'pdf_capped', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv', 'pdf'], row_limits => '{"pdf": 5}');
select exports.register_source(name => 'all_capped', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv', 'pdf'], row_limits => '{"csv": 5, "pdf": 5}');
select exports.register_source(name => 'no_csv', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['json', 'pdf'], row_limits => '{"pdf": 5}');
select exports_tests.add_items('owner', 10);

-- The hint of the EX012 a request as the owner is refused with.
create function exports_tests.hint_of_refusal(source text, format text) returns text
language plpgsql set search_path = '' as $$
declare
  hint text;
begin
  perform exports_tests.authenticate_as('owner');
  perform public.request_export(source => source, format => format);
  return 'not refused';
exception when sqlstate 'EX012' then
  get stacked diagnostics hint = pg_exception_hint;
  return hint;
end
$$;

select is(exports_tests.hint_of_refusal('pdf_capped', 'pdf'),
  'Narrow the options (a shorter date range, a filter), or choose csv.',
  'over the PDF limit of a source whose CSV has none: csv is suggested');
select is(exports_tests.hint_of_refusal('all_capped', 'pdf'), 'Narrow the options (a shorter date range, a filter).',
  'not when its CSV has a limit too');
select is(exports_tests.hint_of_refusal('all_capped', 'csv'), 'Narrow the options (a shorter date range, a filter).',
  'nor to a CSV request');
select is(exports_tests.hint_of_refusal('no_csv', 'pdf'), 'Narrow the options (a shorter date range, a filter).',
  'nor when the source has no CSV');

select * from finish();
rollback;
