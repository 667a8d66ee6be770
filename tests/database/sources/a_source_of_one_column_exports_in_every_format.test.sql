-- A rows function of one column is still a row of one field in every format: its JSON, JSONL,
-- Markdown and HTML statements run (row_to_json of a bare value does not exist).
begin;
select plan(4);

create function exports_tests.labels(options jsonb) returns table (label text)
language sql stable security invoker set search_path = '' as $$ select 'a' union all select 'b' $$;
grant execute on function exports_tests.labels(jsonb) to authenticated;
select exports.register_source(name => 'labels', rows_function => 'exports_tests.labels(jsonb)',
  formats => array['json', 'jsonl', 'markdown', 'html']);

-- What a statement writes, run the way the worker runs it: COPY into a table, here.
create temporary table copied (line text);
create function pg_temp.output(format text) returns text[]
language plpgsql as $$
declare
  statement text := (select b.statement
                     from exports.sources s, exports._build_statement(s, format, '{}') b
                     where s.name = 'labels');
begin
  truncate copied;
  execute regexp_replace(statement, '^copy \((.*)\) to stdout$', 'insert into copied \1');
  return array(select c.line from copied c);
end
$$;

select is(pg_temp.output('json'), array['{"label":"a"}', '{"label":"b"}'], 'json: one object per row');
select is(pg_temp.output('jsonl'), array['{"label":"a"}', '{"label":"b"}'], 'jsonl: one object per line');
select is(pg_temp.output('markdown'), array['| label |' || chr(10) || '| --- |', '| a |', '| b |'],
  'markdown: the header, then a row each');
select is(pg_temp.output('html')::text ~ '<td>a</td>', true, 'html: a cell each');

select * from finish();
rollback;
