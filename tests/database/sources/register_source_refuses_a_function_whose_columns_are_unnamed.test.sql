-- register_source refuses, with EX030 and a hint, a rows function whose columns have no names
-- until it is called: setof record without OUT parameters (every export of it would fail with
-- "a column definition list is required"), or OUT parameters without names.
begin;
select plan(3);

create function exports_tests.record_rows(options jsonb) returns setof record
language sql stable security invoker set search_path = '' as $$ select i.n, i.label from exports_tests.items i $$;
create function exports_tests.unnamed_out_rows(options jsonb, out int, out text) returns setof record
language sql stable security invoker set search_path = '' as $$ select i.n, i.label from exports_tests.items i $$;

-- The SQLSTATE, message and hint register_source refuses this rows function with.
create function exports_tests.refusal(rows_function regprocedure) returns text
language plpgsql set search_path = '' as $$
declare
  message text;
  hint text;
begin
  perform exports.register_source(name => 'x', rows_function => rows_function, formats => array['csv']);
  return 'registered';
exception when others then
  get stacked diagnostics message = message_text, hint = pg_exception_hint;
  return concat_ws(': ', sqlstate, message, hint);
end
$$;

select is(exports_tests.refusal('exports_tests.record_rows(jsonb)'),
  'EX030: rows function exports_tests.record_rows(jsonb) must return rows with named columns: '
    'Declare returns table (...) or OUT parameters, or return setof a table or composite type; setof record alone names no columns.',
  'a setof record function without OUT parameters is refused with EX030 and a hint');
select is(exports_tests.refusal('exports_tests.unnamed_out_rows(jsonb)'),
  'EX030: rows function exports_tests.unnamed_out_rows(jsonb) must return rows with named columns: '
    'Declare returns table (...) or OUT parameters, or return setof a table or composite type; setof record alone names no columns.',
  'a function with unnamed OUT parameters is refused with EX030 and a hint');
select is_empty($$ select from exports.sources where name = 'x' $$, 'neither function was registered');

select * from finish();
rollback;
