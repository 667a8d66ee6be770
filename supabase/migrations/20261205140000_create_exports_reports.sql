-- Reports: a source may declare a report function, whose layout its XLSX and
-- PDF files follow (a title, the scope and period, summary figures, grouped
-- totals and charts, then the detail lines). The function runs as the
-- requesting user, in the export's own transaction, so RLS decides its figures
-- as it decides the lines; the worker only lays out what it returns.
--
-- Registering one (see ARCHITECTURE.md, "Reports", for the layout's fields):
--   select exports.register_report(source => 'invoices', report_function => 'app.invoices_report(jsonb)');

-- ============================================================================
-- tables
-- ============================================================================

create table exports.source_reports (
  source text primary key references exports.sources (name) on delete cascade on update cascade,
  -- A signature as text, like the sources' functions: reg* columns would block pg_upgrade.
  report_function text not null,
  registered_at timestamptz not null default now()
);
comment on table exports.source_reports is
  'The report layout of a source''s XLSX and PDF files: a security invoker function of the export''s options returning the report as jsonb.';

alter table exports.source_reports enable row level security;
revoke all on exports.source_reports from public, anon, authenticated, service_role;
grant select on exports.source_reports to service_role;

-- ============================================================================
-- functions
-- ============================================================================

create function exports.register_report(source text, report_function regprocedure)
returns exports.source_reports
language plpgsql
set search_path = ''
as $$
declare
  registered exports.source_reports;
begin
  if not exists (select from exports.sources s where s.name = register_report.source) then
    raise exception 'there is no source % to give a report', source
      using errcode = 'EX030', hint = 'Register the source first with exports.register_source.';
  end if;
  if not exists (select from exports.sources s
                 where s.name = register_report.source and s.formats && array['xlsx', 'pdf']) then
    raise exception 'source % offers neither xlsx nor pdf, the formats a report lays out', source
      using errcode = 'EX030', hint = 'Add xlsx or pdf to its formats with exports.register_source.';
  end if;
  perform exports._check_source_function(report_function, 'report', false, array['jsonb']::regtype[]);
  insert into exports.source_reports as r (source, report_function)
  values (register_report.source, register_report.report_function::text)
  on conflict on constraint source_reports_pkey do update set
    report_function = excluded.report_function, registered_at = now()
  returning * into registered;
  return registered;
end
$$;
comment on function exports.register_report is
  'Gives a source a report layout for its XLSX and PDF files: a security invoker function taking the export''s options (jsonb) and returning the report (jsonb).';

-- The statement the worker runs, as the user and in the export's own
-- transaction, before its rows: null when the export's format lays out no
-- report or its source has none (the file is then the plain grid), or when
-- the report function no longer exists (the lines still export, as a grid).
create function exports.report_statement(export_id uuid) returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  statement text;
begin
  select pg_catalog.format('select %s(%L::jsonb)',
      exports._function_name(to_regprocedure(r.report_function)),
      exports._source_options(e.options, e.scope_id))
    into statement
  from exports.exports e
  join exports.source_reports r on r.source = e.source
  where e.export_id = report_statement.export_id and e.format in ('xlsx', 'pdf')
    and to_regprocedure(r.report_function) is not null;
  return statement;
end
$$;
comment on function exports.report_statement is
  'The statement that computes an export''s report as its user, or null when its file has no report layout.';

-- ============================================================================
-- grants
-- ============================================================================

revoke execute on function exports.register_report(text, regprocedure), exports.report_statement(uuid)
  from public, anon, authenticated, service_role;
grant execute on function exports.report_statement(uuid) to service_role;
