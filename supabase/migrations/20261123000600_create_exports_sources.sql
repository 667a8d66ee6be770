-- Sources: how an app registers one (a function and a registration line), how
-- options are checked, and the statements the worker runs for each format,
-- with the SQL renderers that turn a row into a Markdown or HTML chunk.
--
-- Adding a source to your app (a SQL-standard body, so Postgres can inline it
-- into the export's statement; see ARCHITECTURE.md):
--   create function app.invoices(options jsonb) returns setof app.invoices
--     language sql stable security invoker
--     begin atomic select * from app.invoices where issued_on >= (options->>'from')::date; end;
--   select exports.register_source(name => 'invoices', rows_function => 'app.invoices(jsonb)',
--     formats => array['csv', 'xlsx'], option_types => '{"from": "date"}');
-- The function runs as the requesting user, so grant it to authenticated and
-- let RLS on its tables decide which rows the file holds.

-- ============================================================================
-- registration
-- ============================================================================

-- Refuses a function that could not serve as a source, so mistakes surface
-- when the app registers it rather than when a user's export fails.
create function exports._check_source_function(
  fn regprocedure, purpose text, returns_set boolean, allowed_types regtype[] default null
) returns void
language plpgsql
set search_path = ''
as $$
declare
  p pg_catalog.pg_proc;
  column_names text[];
begin
  if fn is null then
    return;
  end if;
  select * into p from pg_catalog.pg_proc where oid = fn;
  if p.pronargs <> 1 or p.proargtypes[0] <> 'jsonb'::regtype then
    raise exception '% function % must take exactly one argument, options jsonb', purpose, fn
      using errcode = 'EX030', hint = 'Declare it as fn(options jsonb).';
  end if;
  if p.prosecdef then
    raise exception '% function % must be security invoker', purpose, fn
      using errcode = 'EX030', hint = 'Exports run as the requesting user so that RLS decides what they contain.';
  end if;
  if p.proretset <> returns_set then
    raise exception '% function % must return %', purpose, fn,
      case when returns_set then 'a set (returns setof or returns table)' else 'a single value' end
      using errcode = 'EX030';
  end if;
  if allowed_types is not null and not p.prorettype = any (allowed_types) then
    raise exception '% function % must return %', purpose, fn, allowed_types::text
      using errcode = 'EX030';
  end if;
  -- Markdown and HTML headers are made of the column names. setof record
  -- without OUT parameters has none until a caller lists them, which the
  -- worker's statements cannot: every export of it would fail, and be retried.
  if allowed_types is null then
    column_names := exports._function_columns(fn);
    if column_names is null or array_position(column_names, null) is not null or '' = any (column_names) then
      raise exception '% function % must return rows with named columns', purpose, fn
        using errcode = 'EX030',
              hint = 'Declare returns table (...) or OUT parameters, or return setof a table or composite type; setof record alone names no columns.';
    end if;
  end if;
end
$$;

create function exports.register_source(
  name text,
  rows_function regprocedure,
  formats text[],
  description text default '',
  documents_function regprocedure default null,
  markdown_function regprocedure default null,
  count_function regprocedure default null,
  row_limits jsonb default '{}',
  option_types jsonb default '{}',
  requires_scope boolean default false
) returns exports.sources
language plpgsql
set search_path = ''
as $$
declare
  unknown text;
  registered exports.sources;
begin
  if cardinality(formats) is not distinct from 0 or array_position(formats, null) is not null then
    raise exception 'source % must offer at least one format, and no null ones', name
      using errcode = 'EX030', hint = 'Formats are csv, json, jsonl, markdown, html, xlsx and pdf.';
  end if;
  select string_agg(f, ', ') into unknown
  from unnest(formats) f
  where f not in ('csv', 'json', 'jsonl', 'markdown', 'html', 'xlsx', 'pdf');
  if unknown is not null then
    raise exception 'source % lists unknown formats: %', name, unknown
      using errcode = 'EX030', hint = 'Formats are csv, json, jsonl, markdown, html, xlsx and pdf.';
  end if;
  if jsonb_typeof(row_limits) is distinct from 'object' or jsonb_typeof(option_types) is distinct from 'object' then
    raise exception 'source % needs JSON objects for row_limits and option_types', name
      using errcode = 'EX030', hint = 'For example row_limits => ''{"pdf": 5000}'', option_types => ''{"from": "date"}''; {} for none.';
  end if;
  -- A limit is checked against a count as the request is made and against
  -- the rows the worker writes, so it must be a whole number; and it bounds
  -- the rows of the rows function, which a format built from the documents
  -- or the markdown function does not write.
  select string_agg(format('%s: %s', key, value), ', ') into unknown
  from jsonb_each(row_limits)
  where not key = any (formats)
     or value::text !~ '^[1-9][0-9]{0,17}$'
     or (key in ('json', 'jsonl') and documents_function is not null)
     or (key = 'markdown' and markdown_function is not null);
  if unknown is not null then
    raise exception 'source % declares invalid row limits: %', name, unknown
      using errcode = 'EX030',
            hint = 'A limit is a whole number of rows, at least 1, for a format the source offers and builds from its rows function (not json or jsonl with a documents function, nor markdown with a markdown function).';
  end if;
  select string_agg(format('%s: %s', key, value), ', ') into unknown
  from jsonb_each_text(option_types)
  where value not in ('date', 'timestamp', 'number', 'integer', 'text', 'text[]', 'boolean')
     or key = 'scope_id';
  if unknown is not null then
    raise exception 'source % declares invalid options: %', name, unknown
      using errcode = 'EX030',
            hint = 'Option types are date, timestamp, number, integer, text, text[] and boolean; scope_id is reserved.';
  end if;
  -- A request's from and to are compared as their declared type, so they need the same one.
  if option_types ->> 'from' <> option_types ->> 'to' then
    raise exception 'source % declares options from and to of different types: % and %',
      name, option_types ->> 'from', option_types ->> 'to'
      using errcode = 'EX030', hint = 'Declare both with one type, e.g. {"from": "date", "to": "date"}.';
  end if;

  perform exports._check_source_function(rows_function, 'rows', true);
  perform exports._check_source_function(documents_function, 'documents', true, array['jsonb', 'json']::regtype[]);
  perform exports._check_source_function(markdown_function, 'markdown', true, array['text']::regtype[]);
  perform exports._check_source_function(count_function, 'count', false, array['bigint', 'integer']::regtype[]);

  insert into exports.sources as s (name, description, rows_function, documents_function, markdown_function,
    count_function, formats, row_limits, option_types, requires_scope)
  values (register_source.name, register_source.description, register_source.rows_function::text,
    register_source.documents_function::text, register_source.markdown_function::text, register_source.count_function::text,
    register_source.formats, register_source.row_limits, register_source.option_types,
    register_source.requires_scope)
  on conflict on constraint sources_pkey do update set
    description = excluded.description, rows_function = excluded.rows_function,
    documents_function = excluded.documents_function, markdown_function = excluded.markdown_function,
    count_function = excluded.count_function, formats = excluded.formats, row_limits = excluded.row_limits,
    option_types = excluded.option_types, requires_scope = excluded.requires_scope
  returning * into registered;
  return registered;
end
$$;
comment on function exports.register_source is
  'Registers (or re-registers) an export source: a security invoker rows function taking options jsonb, the formats it offers, its row limits and option types.';

-- ============================================================================
-- options and limits
-- ============================================================================

-- Raises EX004 with the first problem found; returns nothing when options are fine.
create function exports._validate_options(source exports.sources, options jsonb) returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  option record;
  expected text;
begin
  if options is null or jsonb_typeof(options) <> 'object' then
    raise exception 'options must be a JSON object'
      using errcode = 'EX004', hint = 'Send {} when there is nothing to filter.';
  end if;
  for option in select key, value from jsonb_each(options) loop
    expected := source.option_types ->> option.key;
    if expected is null then
      raise exception 'source ''%'' has no option ''%''', source.name, option.key
        using errcode = 'EX004',
              hint = format('Its options are: %s.', coalesce(
                (select string_agg(k, ', ' order by k) from jsonb_object_keys(source.option_types) k), 'none'));
    end if;
    if not exports._is_of_option_type(option.value, expected) then
      raise exception 'option ''%'' must be a %; got %', option.key, expected, option.value
        using errcode = 'EX004',
              hint = case expected
                when 'date' then 'Dates are written YYYY-MM-DD.'
                when 'timestamp' then 'Timestamps are ISO 8601: 2026-01-31T12:00:00Z, 2026-01-31 12:00+05:00, '
                  'or a bare date 2026-01-31 for its midnight; without an offset, in the database''s time zone.'
                else format('Send a JSON %s.', expected) end;
    end if;
  end loop;
  -- As text, 9 would sort after 10, and 12:00+05:00 (07:00Z) after 08:00Z.
  -- register_source makes from and to share a type; both are valid by now.
  if options ? 'from' and options ? 'to' and (case source.option_types ->> 'from'
      when 'date' then (options ->> 'from')::date > (options ->> 'to')::date
      when 'timestamp' then (options ->> 'from')::timestamptz > (options ->> 'to')::timestamptz
      when 'number' then (options ->> 'from')::numeric > (options ->> 'to')::numeric
      when 'integer' then (options ->> 'from')::numeric > (options ->> 'to')::numeric
      when 'text' then (options ->> 'from') > (options ->> 'to')
      else false end) then
    raise exception 'option ''from'' (%) is after ''to'' (%)', options ->> 'from', options ->> 'to'
      using errcode = 'EX004', hint = 'Swap them, or leave one out for an open range.';
  end if;
end
$$;

-- Dates and timestamps must be ISO 8601: the worker's source function reads
-- them again in a session of its own, where DateStyle may differ and 'now' or
-- 'today' is another time. Stable, not immutable: timestamptz input reads
-- TimeZone (for a timestamp without an offset).
create function exports._is_of_option_type(value jsonb, expected text) returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  case expected
    when 'date' then
      return jsonb_typeof(value) = 'string' and value #>> '{}' ~ '^\d{4}-\d{2}-\d{2}$'
        and (value #>> '{}')::date is not null;
    when 'timestamp' then
      return jsonb_typeof(value) = 'string'
        and value #>> '{}' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}(:[0-9]{2})?)?)?$'
        and (value #>> '{}')::timestamptz is not null;
    when 'number' then
      return jsonb_typeof(value) = 'number';
    when 'integer' then
      return jsonb_typeof(value) = 'number' and (value #>> '{}')::numeric = trunc((value #>> '{}')::numeric);
    when 'text' then
      return jsonb_typeof(value) = 'string';
    when 'boolean' then
      return jsonb_typeof(value) = 'boolean';
    when 'text[]' then
      return jsonb_typeof(value) = 'array'
        and not exists (select from jsonb_array_elements(value) e where jsonb_typeof(e) <> 'string');
    else
      return false;
  end case;
exception
  when invalid_datetime_format or datetime_field_overflow or invalid_time_zone_displacement_value
    or invalid_text_representation then
    return false;
end
$$;

-- The most rows an export may hold: the source's own limit for the format,
-- and for XLSX never more than one sheet's 1048575 data rows.
create function exports._row_limit(source exports.sources, format text) returns bigint
language plpgsql
immutable
set search_path = ''
as $$
begin
  return nullif(least(
      coalesce((source.row_limits ->> format)::bigint, 9223372036854775807),
      case when format = 'xlsx' then 1048575 else 9223372036854775807 end
    ), 9223372036854775807);
end
$$;

-- The arguments a source function receives: the user's options, plus the scope.
create function exports._source_options(options jsonb, scope_id uuid) returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when scope_id is null then options
              else options || jsonb_build_object('scope_id', scope_id) end;
end
$$;

-- Counts an export's rows as the caller (security invoker), so RLS applies.
-- A registered count function lets Postgres count over the source's tables
-- with their indexes; without one, the rows function's rows are counted, but
-- never more than `up_to` of them: a count only has to show a row limit is
-- exceeded, and an unbounded one costs a scan of every row (0.4 s a million
-- rows in bench/), which for a large enough user outlasts statement_timeout.
create function exports.count_source_rows(source exports.sources, options jsonb, up_to bigint)
returns bigint
language plpgsql
stable
set search_path = ''
as $$
declare
  counted bigint;
begin
  if source.count_function is not null then
    execute format('select %s(%L::jsonb)', exports._function_name(source.count_function::regprocedure), options) into counted;
  else
    execute format('select count(*) from (select from %s(%L::jsonb) limit %s) counted',
      exports._function_name(source.rows_function::regprocedure), options, up_to)
      into counted;
  end if;
  return counted;
end
$$;
comment on function exports.count_source_rows is
  'Counts the rows an export would hold, as the calling user: through the source''s count function when it has one, else counting at most up_to rows.';

-- ============================================================================
-- statements
-- ============================================================================

-- regproc's text is the function's quoted name, qualified whenever it is not
-- visible on the search path, which here is empty: always. A cast, not a
-- catalog query: every claim builds statements with it.
create function exports._function_name(fn regprocedure) returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  return fn::regproc::text;
end
$$;

-- The column names of a rows function, in order, for Markdown and HTML headers:
-- its OUT, INOUT or TABLE parameters, else its composite return type's columns.
create function exports._function_columns(fn regprocedure) returns text[]
language sql
stable
set search_path = ''
as $$
  select coalesce(
    (select array_agg(a.name order by a.n)
     from pg_catalog.pg_proc p,
          unnest(p.proargnames, p.proargmodes) with ordinality as a(name, mode, n)
     where p.oid = fn and a.mode in ('o', 'b', 't')),
    (select array_agg(att.attname::text order by att.attnum)
     from pg_catalog.pg_proc p
     join pg_catalog.pg_type t on t.oid = p.prorettype
     join pg_catalog.pg_attribute att on att.attrelid = t.typrelid
     where p.oid = fn and att.attnum > 0 and not att.attisdropped)
  )
$$;

-- The one statement the worker runs for an export, built here so that no SQL
-- is ever assembled outside the database. Markdown and HTML tables start with
-- a header chunk: a UNION ALL that no parallel plan can reorder (source
-- functions are parallel unsafe by default), so it is emitted first.
-- The statement is null when a function of the source no longer exists (it
-- was dropped, or its signature changed since it was registered). row_limit
-- is the limit the statement was built with, for the worker to enforce.
create function exports._build_statement(
  source exports.sources, format text, options jsonb,
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
  args text := pg_catalog.format('%L::jsonb', options);
  capped text;
begin
  -- The request checked the row limit against a count, but rows can be added
  -- before the export runs: a statement over the rows function reads at most
  -- one row past the limit, and the worker fails the export when it gets it.
  row_limit := exports._row_limit(source, format);
  capped := case when row_limit is not null then pg_catalog.format(' limit %s', row_limit + 1) else '' end;
  if rows_fn is null or (documents_fn is null and source.documents_function is not null)
     or (markdown_fn is null and source.markdown_function is not null) then
    return;
  end if;
  case
    when format = 'csv' then
      statement := pg_catalog.format('copy (select * from %s(%s)%s) to stdout with (format csv, header)',
        rows_name, args, capped);
      statement_kind := 'copy_csv';
    when format in ('json', 'jsonl') and documents_fn is not null then
      statement := pg_catalog.format('copy (select d.document::text from %s(%s) as d(document)) to stdout',
        exports._function_name(documents_fn), args);
      statement_kind := 'copy_text';
    -- A subquery, not `from fn() as r`: for a function of one column, r would
    -- be that column's value rather than a row, and row_to_json(r) would not exist.
    when format in ('json', 'jsonl') then
      statement := pg_catalog.format('copy (select row_to_json(r)::text from (select * from %s(%s)%s) as r) to stdout',
        rows_name, args, capped);
      statement_kind := 'copy_text';
    when format = 'markdown' and markdown_fn is not null then
      statement := pg_catalog.format('copy (select m.block from %s(%s) as m(block)) to stdout',
        exports._function_name(markdown_fn), args);
      statement_kind := 'copy_text';
    when format = 'markdown' then
      statement := pg_catalog.format(
        'copy (select %L union all (select exports.markdown_row(row_to_json(r)) from (select * from %s(%s)%s) as r)) to stdout',
        exports.markdown_header(exports._function_columns(rows_fn)), rows_name, args, capped);
      statement_kind := 'copy_text';
    when format = 'html' then
      statement := pg_catalog.format(
        'copy (select %L union all (select exports.html_row(row_to_json(r)) from (select * from %s(%s)%s) as r)) to stdout',
        exports.html_header(exports._function_columns(rows_fn)), rows_name, args, capped);
      statement_kind := 'copy_text';
    else
      statement := pg_catalog.format('select * from %s(%s)%s', rows_name, args, capped);
      statement_kind := 'cursor';
  end case;
end
$$;

-- ============================================================================
-- renderers (run by the worker's statements as the user)
-- ============================================================================

-- A table cell that renders as its literal text: HTML metacharacters are
-- escaped as references, Markdown's inline markup and the cell's pipes with a
-- backslash, whitespace at either end (which a table trims) as references,
-- and line breaks become <br>.
create function exports.markdown_cell(value text) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select regexp_replace(
    case when escaped ~ ('^' || edge || '|' || edge || '$') then
      (select string_agg(
         case when c ~ edge and (n <= length(lead) or n > length(escaped) - length(trail))
           then '&#' || ascii(c) || ';' else c end, '' order by n)
       from regexp_split_to_table(escaped, '') with ordinality as s(c, n),
            substring(escaped from '^' || edge || '*') as lead,
            substring(escaped from edge || '*$') as trail)
    else escaped end,
    '\r\n|\r|\n', '<br>', 'g')
  from regexp_replace(
         replace(replace(replace(coalesce(value, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
         '([\\`*_\[\]~|])', '\\\1', 'g') as escaped,
       -- What JavaScript's trim() removes, as Markdown readers trim a cell,
       -- less line breaks, which become <br>.
       (select '[ \t\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') as w(edge)
$$;
comment on function exports.markdown_cell is 'Escapes a value for a Markdown table cell.';

create function exports.markdown_header(columns text[]) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '| ' || string_agg(exports.markdown_cell(c), ' | ' order by n) || ' |' || chr(10)
      || '|' || string_agg(' --- ', '|' order by n) || '|'
  from unnest(columns) with ordinality as u(c, n)
$$;
comment on function exports.markdown_header is 'The header row and delimiter row of a Markdown table.';

create function exports.markdown_row(row_json json) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '| ' || string_agg(exports.markdown_cell(e.value), ' | ' order by e.n) || ' |'
  from json_each_text(row_json) with ordinality as e(key, value, n)
$$;
comment on function exports.markdown_row is 'One row (as row_to_json gives it, columns in order) as a Markdown table row.';

-- HTML makes every control character but whitespace, and every noncharacter,
-- a parse error, written raw or as a character reference alike: C0 controls
-- and DEL are written as their Unicode control pictures (U+0001 as U+2401,
-- U+007F as U+2421), the others as U+FFFD.
create function exports.html_escape(value text) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select replace(replace(replace(replace(replace(
    case when v ~ forbidden then
      (select string_agg(
         case when c ~ '[\x01-\x08\x0b\x0e-\x1f]' then chr(9216 + ascii(c))
              when c = chr(127) then chr(9249)
              when c ~ forbidden then chr(65533)
              else c end, '' order by n)
       from regexp_split_to_table(v, '') with ordinality as s(c, n))
    else v end,
    '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
  from coalesce(value, '') as v,
       (select '[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff\U0003fffe-\U0003ffff\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff\U0007fffe-\U0007ffff\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff\U000bfffe-\U000bffff\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000efffe-\U000effff\U000ffffe-\U000fffff\U0010fffe-\U0010ffff]') as f(forbidden)
$$;
comment on function exports.html_escape is
  'Escapes text for HTML element content and attribute values; controls and noncharacters, which HTML forbids, become visible replacements.';

create function exports.html_header(columns text[]) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '<tr>' || string_agg('<th>' || exports.html_escape(c) || '</th>', '' order by n) || '</tr>'
  from unnest(columns) with ordinality as u(c, n)
$$;
comment on function exports.html_header is 'The header row of an HTML table.';

create function exports.html_row(row_json json) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '<tr>' || string_agg(
    '<td>' || regexp_replace(exports.html_escape(e.value), '\r\n|\r|\n', '<br>', 'g') || '</td>', '' order by e.n
  ) || '</tr>'
  from json_each_text(row_json) with ordinality as e(key, value, n)
$$;
comment on function exports.html_row is 'One row (as row_to_json gives it, columns in order) as an HTML table row.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on all functions in schema exports from public, anon, authenticated, service_role;
-- The worker's statements call the renderers as the user; request_export
-- counts rows as the user.
grant execute on function exports.markdown_cell(text), exports.markdown_header(text[]),
  exports.markdown_row(json), exports.html_escape(text), exports.html_header(text[]),
  exports.html_row(json), exports.count_source_rows(exports.sources, jsonb, bigint),
  exports._function_name(regprocedure)
  to authenticated, service_role;
