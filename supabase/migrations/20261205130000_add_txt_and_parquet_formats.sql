-- Two formats: txt (plain text for people: aligned tables, or the source's own
-- text blocks such as transcripts) and parquet (columnar, typed, compressed:
-- the format datasets are shared in). A source offers its own text blocks for
-- txt through a text function, as it offers Markdown through its markdown
-- function.

-- ============================================================================
-- tables
-- ============================================================================

alter table exports.formats drop constraint formats_chunks_function_check;
alter table exports.formats add constraint formats_chunks_function_check
  check (chunks_function in ('documents_function', 'markdown_function', 'text_function'));
-- A cursor format may take its chunks from a source function too: the
-- statement is then a copy_text one (exports._build_statement says which).
alter table exports.formats drop constraint formats_check1;
alter table exports.formats add constraint formats_chunks_function_kind_check
  check (chunks_function is null or statement_kind in ('copy_text', 'cursor'));

insert into exports.formats (name, position, extension, content_type, statement_kind, row_chunk, chunks_function,
  row_cap, description) values
  ('txt', 8, 'txt', 'text/plain; charset=utf-8', 'cursor', null, 'text_function', null,
   'Plain text: the rows as aligned tables, or the source''s own text blocks.'),
  ('parquet', 9, 'parquet', 'application/vnd.apache.parquet', 'cursor', null, null, null,
   'Apache Parquet: typed columns in compressed row groups, for datasets and analytics tools.');

alter table exports.sources add column text_function text;
comment on column exports.sources.text_function is
  'A security invoker function (options jsonb) returning setof text: one plain-text block a chunk (a transcript), written as the source''s txt files instead of a table of its rows.';

-- ============================================================================
-- functions
-- ============================================================================

-- A text function is declared apart from register_source, which keeps its
-- signature: a source registered again keeps the text function it had.
create function exports.set_text_function(source text, text_function regprocedure)
returns exports.sources
language plpgsql
set search_path = ''
as $$
declare
  registered exports.sources;
begin
  perform exports._check_source_function(text_function, 'text', true, array['text']::regtype[]);
  if exists (select from exports.sources s where s.name = set_text_function.source
             and (s.row_limits ? 'txt') and set_text_function.text_function is not null) then
    raise exception 'source % limits its txt rows, which a text function does not write', source
      using errcode = 'EX030', hint = 'Drop the txt row limit, or keep the table of rows.';
  end if;
  update exports.sources s set text_function = set_text_function.text_function::text
  where s.name = set_text_function.source
  returning * into registered;
  if registered is null then
    raise exception 'there is no source %', source
      using errcode = 'EX030', hint = 'Register it with exports.register_source first.';
  end if;
  return registered;
end
$$;
comment on function exports.set_text_function is
  'Declares (or, with null, removes) the function whose text blocks are a source''s txt files, e.g. transcripts; without one, txt is a table of the rows.';

-- As before, and a format's chunks function (now the text function too) makes
-- the statement a copy_text one whatever the format's own statement kind.
create or replace function exports._build_statement(
  source exports.sources, format text, options jsonb, defuse_formulas boolean default false,
  out statement text, out statement_kind text, out row_limit bigint
)
language plpgsql
stable
set search_path = ''
as $$
declare
  rows_fn regprocedure := to_regprocedure(source.rows_function);
  rows_name text := exports._function_name(rows_fn);
  documents_fn regprocedure := to_regprocedure(source.documents_function);
  markdown_fn regprocedure := to_regprocedure(source.markdown_function);
  text_fn regprocedure := to_regprocedure(source.text_function);
  args text := pg_catalog.format('%L::jsonb', options);
  capped text;
  written_as exports.formats;
  chunks_fn regprocedure;
begin
  -- The request checked the row limit against a count, but rows can be added
  -- before the export runs: a statement over the rows function reads at most
  -- one row past the limit, and the worker fails the export when it gets it.
  row_limit := exports._row_limit(source, format);
  capped := case when row_limit is not null then pg_catalog.format(' limit %s', row_limit + 1) else '' end;
  if rows_fn is null or (documents_fn is null and source.documents_function is not null)
     or (markdown_fn is null and source.markdown_function is not null)
     or (text_fn is null and source.text_function is not null) then
    return;
  end if;
  select * into written_as from exports.formats f where f.name = _build_statement.format;
  chunks_fn := case written_as.chunks_function
    when 'documents_function' then documents_fn when 'markdown_function' then markdown_fn
    when 'text_function' then text_fn end;
  statement_kind := case when chunks_fn is not null then 'copy_text' else written_as.statement_kind end;
  case
    when written_as.statement_kind = 'copy_csv' then
      statement := pg_catalog.format('copy (select %s from %s(%s)%s%s) to stdout with (format csv, header)',
        case when defuse_formulas then exports._defused_columns(rows_fn) else '*' end, rows_name, args,
        case when defuse_formulas then ' as r' else '' end, capped);
    when chunks_fn is not null then
      statement := pg_catalog.format('copy (select c.chunk::text from %s(%s) as c(chunk)) to stdout',
        exports._function_name(chunks_fn), args);
    -- A subquery, not `from fn() as r`: for a function of one column, r would
    -- be that column's value rather than a row, and row_to_json(r) would not exist.
    when written_as.row_chunk = 'json' then
      statement := pg_catalog.format('copy (select row_to_json(r)::text from (select * from %s(%s)%s) as r) to stdout',
        rows_name, args, capped);
    when written_as.row_chunk = 'markdown' then
      statement := pg_catalog.format(
        'copy (select %L union all (select exports.markdown_row(row_to_json(r)) from (select * from %s(%s)%s) as r)) to stdout',
        exports.markdown_header(exports._function_columns(rows_fn)), rows_name, args, capped);
    when written_as.row_chunk = 'html' then
      statement := pg_catalog.format(
        'copy (select %L union all (select exports.html_row(row_to_json(r)) from (select * from %s(%s)%s) as r)) to stdout',
        exports.html_header(exports._function_columns(rows_fn)), rows_name, args, capped);
    else
      statement := pg_catalog.format('select * from %s(%s)%s', rows_name, args, capped);
  end case;
end
$$;

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports.set_text_function(text, regprocedure) from public, anon, authenticated, service_role;
