-- A slice statement reads exactly the staged positions it is given, in order and without a header, as the
-- format's writer reads them (a COPY for copy formats, a select for cursor formats); the header statement
-- gives the header every part starts with.
begin;
select plan(10);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;
select exports_tests.add_items('owner', 10);
select exports_tests.request_as('owner', format => 'csv') as csv \gset
select exports_tests.request_as('owner', format => 'xlsx') as xlsx \gset
select exports_tests.request_as('owner', format => 'markdown') as md \gset
select exports_tests.stage(id) from unnest(array[:'csv', :'xlsx', :'md']::uuid[]) id;

select is(exports.slice_statement(:'csv', 4, 7),
  format('copy (select n, label from exports_staging.%I where _position between 4 and 7 order by _position) '
    'to stdout with (format csv)', :'csv'),
  'a CSV slice is a COPY of its range in CSV, without a header');
select results_eq(regexp_replace(exports.slice_statement(:'csv', 4, 7), '^copy \((.*)\) to stdout.*$', '\1'),
  $$ values (4, 'owner''s item 4'), (5, 'owner''s item 5'), (6, 'owner''s item 6'), (7, 'owner''s item 7') $$,
  'it reads rows 4 to 7, in order');
select is(exports.header_statement(:'csv'),
  format('copy (select n, label from exports_staging.%I limit 0) to stdout with (format csv, header)', :'csv'),
  'the CSV header statement writes the header line alone');
select results_eq(exports.slice_statement(:'xlsx', 9, 10), $$ values (9, 'owner''s item 9'), (10, 'owner''s item 10') $$,
  'an XLSX slice is a select of its range, in order');
select is(exports.header_statement(:'xlsx'), null, 'a cursor format has no header statement');
select results_eq(regexp_replace(exports.slice_statement(:'md', 1, 1), '^copy \((.*)\) to stdout$', '\1'),
  $$ values ('| 1 | owner''s item 1 |') $$, 'a Markdown slice from the first row holds no header chunk');
select results_eq(regexp_replace(exports.header_statement(:'md'), '^copy \((.*)\) to stdout$', '\1'),
  format('values (%L)', exports.markdown_header(array['n', 'label'])), 'the Markdown header statement reads the header chunk');
select is_empty(regexp_replace(exports.slice_statement(:'csv', 11, 10), '^copy \((.*)\) to stdout.*$', '\1'),
  'an empty range reads nothing');
select throws_ok(format('select exports.slice_statement(%L, 0, 3)', :'csv'), '22023', null,
  'a range before the first position is refused');
select throws_ok($$ select exports.slice_statement(gen_random_uuid(), 1, 3) $$, '55000', null,
  'an export with no staged rows has no slice statement');

select * from finish();
rollback;
