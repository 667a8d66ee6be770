-- register_source refuses, with EX030 and the offending entries named, formats and row limits a
-- request could not honour: no format, a limit that is not a whole number of rows, a limit for a
-- format the source does not offer, and a limit on a format built from documents, not rows.
begin;
select plan(10);

create function exports_tests.item_documents(options jsonb) returns setof jsonb
language sql stable security invoker set search_path = '' as $$ select to_jsonb(r) from exports_tests.item_rows(options) r $$;
create function exports_tests.item_blocks(options jsonb) returns setof text
language sql stable security invoker set search_path = '' as $$ select r.label from exports_tests.item_rows(options) r $$;

-- Registers exports_tests.item_rows as source 'x' with the given formats and row limits.
create function exports_tests.register_x(formats text[], row_limits jsonb) returns exports.sources
language sql set search_path = '' as $$
  select exports.register_source(name => 'x', rows_function => 'exports_tests.item_rows(jsonb)',
    documents_function => 'exports_tests.item_documents(jsonb)', markdown_function => 'exports_tests.item_blocks(jsonb)',
    formats => formats, row_limits => row_limits)
$$;

select throws_ok($$ select exports_tests.register_x(array[]::text[], '{}') $$,
  'EX030', 'source x must offer at least one format, and no null ones', 'a source without formats is refused');
select throws_ok($$ select exports_tests.register_x(array['csv', null], '{}') $$,
  'EX030', 'source x must offer at least one format, and no null ones', 'a null format is refused');
select throws_ok($$ select exports_tests.register_x(array['csv'], '[5000]') $$,
  'EX030', 'source x needs JSON objects for row_limits and option_types', 'row limits that are not an object are refused');
select throws_ok($$ select exports_tests.register_x(array['csv'], '{"csv": "5000"}') $$,
  'EX030', 'source x declares invalid row limits: csv: "5000"', 'a limit given as a string is refused');
select throws_ok($$ select exports_tests.register_x(array['csv', 'pdf'], '{"csv": 0, "pdf": 10.5}') $$,
  'EX030', 'source x declares invalid row limits: csv: 0, pdf: 10.5', 'limits below 1 or with a fraction are refused');
select throws_ok($$ select exports_tests.register_x(array['csv'], '{"csv": 99999999999999999999}') $$,
  'EX030', 'source x declares invalid row limits: csv: 99999999999999999999', 'a limit past bigint is refused');
select throws_ok($$ select exports_tests.register_x(array['csv'], '{"pdf": 10}') $$,
  'EX030', 'source x declares invalid row limits: pdf: 10', 'a limit for a format the source does not offer is refused');
select throws_ok($$ select exports_tests.register_x(array['csv', 'jsonl', 'markdown'], '{"jsonl": 10, "markdown": 10}') $$,
  'EX030', 'source x declares invalid row limits: jsonl: 10, markdown: 10',
  'a limit on a format built from the documents or markdown function is refused');

select is(
  (select row_limits from exports_tests.register_x(array['csv', 'html', 'pdf'], '{"csv": 100, "html": 1e3, "pdf": 10}')),
  '{"csv": 100, "html": 1000, "pdf": 10}'::jsonb,
  'whole-number limits for formats made from the rows function are kept');
select is(
  (select row_limits from exports.register_source(name => 'y', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['jsonl', 'markdown'], row_limits => '{"jsonl": 10, "markdown": 20}')),
  '{"jsonl": 10, "markdown": 20}'::jsonb,
  'json, jsonl and markdown take limits when the rows function builds them');

select * from finish();
rollback;
