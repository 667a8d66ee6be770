-- A rows function declared with OUT parameters (not returns table) registers, and its Markdown
-- and HTML files start with a header row of those parameters' names, as returns table's do.
begin;
select plan(5);

create function exports_tests.out_rows(options jsonb, out n int, out label text) returns setof record
language sql stable security invoker set search_path = '' as $$ select i.n, i.label from exports_tests.items i $$;
create function exports_tests.table_rows(options jsonb) returns table (n int, label text)
language sql stable security invoker set search_path = '' as $$ select i.n, i.label from exports_tests.items i $$;

select lives_ok($$ select exports.register_source(name => 'out_items', rows_function => 'exports_tests.out_rows(jsonb)',
    formats => array['markdown', 'html']) $$,
  'a setof record function with OUT parameters registers');
select exports.register_source(name => 'table_items', rows_function => 'exports_tests.table_rows(jsonb)',
  formats => array['markdown', 'html']);

select is(exports._function_columns('exports_tests.out_rows(jsonb)'), array['n', 'label'],
  'the columns of an OUT-parameter function are its OUT parameters, in order');

select ok(strpos(b.statement, quote_literal(E'| n | label |\n| --- | --- |')) > 0,
  'the markdown statement of an OUT-parameter source starts its file with the header row')
from exports._build_statement((select s from exports.sources s where s.name = 'out_items'), 'markdown', '{}') b;
select ok(strpos(b.statement, quote_literal('<tr><th>n</th><th>label</th></tr>')) > 0,
  'the html statement of an OUT-parameter source starts its file with the header row')
from exports._build_statement((select s from exports.sources s where s.name = 'out_items'), 'html', '{}') b;

select is(
  (select array_agg(b.statement order by f) from unnest(array['markdown', 'html']) f,
    exports._build_statement((select s from exports.sources s where s.name = 'out_items'), f, '{}') b),
  (select array_agg(replace(b.statement, 'exports_tests.table_rows', 'exports_tests.out_rows') order by f) from unnest(array['markdown', 'html']) f,
    exports._build_statement((select s from exports.sources s where s.name = 'table_items'), f, '{}') b),
  'an OUT-parameter source''s Markdown and HTML statements are those of the same function declared returns table');

select * from finish();
rollback;
