-- A CSV export that defuses formulas prefixes ' to each text cell starting with =, +, -, @, tab or carriage return, and
-- leaves numbers alone; the budget source does it by default and a request may turn it off.
begin;
select plan(8);

select exports_tests.create_user(u) from unnest(array['owner', 'member']) u;
insert into sample.households (id, name, created_by) values
  ('40000000-0000-4000-8000-0000000000f1', 'Test flat', exports_tests.user_id('owner'));
insert into sample.household_members (household_id, user_id) values
  ('40000000-0000-4000-8000-0000000000f1', exports_tests.user_id('member'));
insert into sample.budget_categories (id, household_id, name, kind) values
  ('40000000-0000-4000-8000-0000000000c1', '40000000-0000-4000-8000-0000000000f1', '+Extras', 'expense');
insert into sample.budget_line_items (household_id, category_id, description, amount, occurred_on) values
  ('40000000-0000-4000-8000-0000000000f1', '40000000-0000-4000-8000-0000000000c1',
   '=HYPERLINK("http://x","y")', -5, '2026-03-01');

-- The rows the CSV statement of an export writes, run as its requester.
create function pg_temp.csv_rows(export_id uuid) returns setof text language plpgsql as $$
declare
  statement text := (exports_tests.claim(export_id)).statement;
begin
  perform exports_tests.authenticate_as('member');
  return query execute format('select (select string_agg(c.value, %L) from json_each_text(row_to_json(r)) c) from (%s) r',
    ' | ', substring(statement from '^copy \((.*)\) to stdout'));
  perform exports_tests.clear_authentication();
end $$;

select is((select defuse_formulas from exports.sources where name = 'budget'), true,
  'the budget source defuses formulas by default');

select exports_tests.authenticate_as('member');
select export_id as defused
from public.request_export(source => 'budget', format => 'csv', scope => '40000000-0000-4000-8000-0000000000f1') \gset
select export_id as raw
from public.request_export(source => 'budget', format => 'csv', scope => '40000000-0000-4000-8000-0000000000f1',
  defuse_formulas => false) \gset
select exports_tests.clear_authentication();

select is((select defuse_formulas from exports.exports where export_id = :'defused'), true,
  'a request that says nothing takes the source''s default');
select is((select defuse_formulas from exports.exports where export_id = :'raw'), false,
  'a request may turn defusing off, and the export records it');
select results_eq(format('select pg_temp.csv_rows(%L)', :'defused'),
  $$ values ('2026-03-01 | ''+Extras | expense | ''=HYPERLINK("http://x","y") | -5.00') $$,
  'text cells starting with = or + get a leading quote; the negative amount stays a number');
select results_eq(format('select pg_temp.csv_rows(%L)', :'raw'),
  $$ values ('2026-03-01 | +Extras | expense | =HYPERLINK("http://x","y") | -5.00') $$,
  'without defusing, the cells are written as they are');

-- Every character OWASP lists, and only at the start of a cell.
create table exports_tests.starts (value text, defused text);
insert into exports_tests.starts values ('=1', '''=1'), ('+1', '''+1'), ('-1', '''-1'), ('@SUM(A1)', '''@SUM(A1)'),
  (E'\tx', E'''\tx'), (E'\rx', E'''\rx'), ('a=1', 'a=1'), ('', '');
create function exports_tests.start_rows(options jsonb) returns table (value text, n int)
language sql stable security invoker set search_path = '' as $$ select s.value, -1 from exports_tests.starts s $$;
select exports.register_source(name => 'starts', rows_function => 'exports_tests.start_rows(jsonb)', formats => array['csv'],
  defuse_formulas => true);
create function pg_temp.defused_rows() returns table (value text, n int) language plpgsql as $$
begin
  return query execute (select substring(b.statement from '^copy \((.*)\) to stdout')
    from exports.sources s, exports._build_statement(s, 'csv', '{}', s.defuse_formulas) b where s.name = 'starts');
end $$;

select is((select defuse_formulas from exports.sources where name = 'starts'), true,
  'register_source stores a source''s default');
select results_eq($$ select value from pg_temp.defused_rows() $$, $$ select defused from exports_tests.starts $$,
  'each of =, +, -, @, tab and carriage return at the start of a text cell is defused, and nothing else');
select results_eq($$ select n from pg_temp.defused_rows() $$, $$ select -1 from exports_tests.starts $$,
  'an integer column keeps its type and its negative numbers');

select * from finish();
rollback;
