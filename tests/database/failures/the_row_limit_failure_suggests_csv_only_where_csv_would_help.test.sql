-- An export that went past its row limit while it ran names the limit, and suggests CSV only where
-- the source offers CSV without a limit and the export is not CSV already, as request_export does.
begin;
select plan(4);

select exports_tests.create_user('owner');
select exports.register_source(name => 'pdf_capped', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv', 'pdf'], row_limits => '{"pdf": 5}');
select exports.register_source(name => 'all_capped', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['csv', 'pdf'], row_limits => '{"csv": 5000, "pdf": 5000}');
select exports.register_source(name => 'no_csv', rows_function => 'exports_tests.item_rows(jsonb)',
  formats => array['json', 'xlsx']);
update exports.settings set max_active_exports_per_user = 20;

-- The message of an export of source and format that failed with too_many_rows at row_limit.
create function pg_temp.row_limit_message(source text, format text, row_limit bigint) returns text
language plpgsql as $$
declare
  created uuid := exports_tests.request_as('owner', source => source, format => format);
begin
  perform exports_tests.claim(created);
  perform exports.fail_export(export_id => created, worker_id => 'worker-1', error_code => 'too_many_rows',
    row_limit => row_limit);
  return (select e.error_message from exports.exports e where e.export_id = created);
end $$;

select is(pg_temp.row_limit_message('pdf_capped', 'pdf', 5),
  'This export now has more than 5 rows, the most it may hold; narrow it down (a date range, fewer rows) or choose CSV.',
  'a PDF over its limit, from a source whose CSV has none, is told to choose CSV');
select is(pg_temp.row_limit_message('all_capped', 'csv', 5000),
  'This export now has more than 5,000 rows, the most it may hold; narrow it down (a date range, fewer rows).',
  'a CSV export is not told to choose CSV');
select is(pg_temp.row_limit_message('all_capped', 'pdf', 5000),
  'This export now has more than 5,000 rows, the most it may hold; narrow it down (a date range, fewer rows).',
  'nor one whose source limits its CSV too');
select is(pg_temp.row_limit_message('no_csv', 'xlsx', 1048575),
  'This export now has more than 1,048,575 rows, the most it may hold; narrow it down (a date range, fewer rows).',
  'nor one whose source offers no CSV');

select * from finish();
rollback;
