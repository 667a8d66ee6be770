-- exports.formats is the one list of formats: an export, a source's formats and a request naming
-- another are refused, and a format a source offers cannot be removed.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.request_as('owner') as id \gset

select throws_ok($$update exports.exports set format = 'docx' where export_id = '$$ || :'id' || $$'$$,
  '23503', null, 'an export cannot carry a format exports.formats does not list');
select throws_ok($$update exports.sources set formats = array['csv', 'docx'] where name = 'test_items'$$,
  '23503', null, 'a source cannot offer a format exports.formats does not list');
select throws_ok($$delete from exports.formats where name = 'pdf'$$,
  '23503', null, 'a format a source offers cannot be removed');
select throws_ok($$select exports.register_source(name => 'docs', rows_function => 'exports_tests.item_rows(jsonb)',
    formats => array['docx'])$$,
  'EX030', 'source docs lists unknown formats: docx', 'register_source names the unlisted format');

select exports_tests.authenticate_as('owner');
select throws_ok($$select public.request_export(source => 'test_items', format => 'docx')$$,
  'EX002', 'there is no export format ''docx''', 'a request for an unlisted format is refused with EX002');
select exports_tests.clear_authentication();

-- The hint lists exports.formats in its order, read from the table.
create function pg_temp.hint_of_unknown_format() returns text language plpgsql as $$
declare
  hint text;
begin
  perform exports_tests.authenticate_as('owner');
  perform public.request_export(source => 'test_items', format => 'docx');
  return 'not refused';
exception when sqlstate 'EX002' then
  get stacked diagnostics hint = pg_exception_hint;
  return hint;
end $$;
select is(pg_temp.hint_of_unknown_format(),
  'Formats are ' || (select string_agg(name, ', ' order by position) filter (where position < (select max(position) from exports.formats)) from exports.formats)
    || ' and ' || (select name from exports.formats order by position desc limit 1) || '.',
  'the refusal''s hint lists every format of exports.formats, in order');

select * from finish();
rollback;
