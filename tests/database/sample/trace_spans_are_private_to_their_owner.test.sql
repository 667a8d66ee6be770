-- A user reads and writes only their own spans, and the traces source returns only those; anon reaches none.
begin;
select plan(6);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
insert into sample.llm_spans (span_id, trace_id, user_id, name, operation_name, request_model, input_tokens,
  status_code, start_time, end_time) values
  ('00000000000000a1', '000000000000000000000000000000a1', exports_tests.user_id('owner'), 'chat gpt-4o-mini',
   'chat', 'gpt-4o-mini', 12, 'OK', '2026-04-01 10:00:00+00', '2026-04-01 10:00:01.5+00'),
  ('00000000000000b1', '000000000000000000000000000000b1', exports_tests.user_id('other'), 'chat gpt-4.1',
   'chat', 'gpt-4.1', 99, 'OK', '2026-04-01 10:00:00+00', '2026-04-01 10:00:02+00');

select exports_tests.authenticate_as('owner');
select results_eq($$ select span_id, "gen_ai.request.model", "gen_ai.usage.input_tokens", duration_ms
                     from sample.trace_spans('{}') $$,
  $$ values ('00000000000000a1', 'gpt-4o-mini', 12, 1500::float8) $$,
  'the traces source returns the owner''s span alone, its duration in milliseconds');
select is_empty($$ select from sample.trace_spans('{"model": "gpt-4.1"}') $$,
  'filtering on another user''s model finds nothing');
select throws_ok($$ insert into sample.llm_spans (span_id, trace_id, user_id, name, operation_name, start_time, end_time)
    values ('00000000000000c1', '000000000000000000000000000000c1', exports_tests.user_id('other'), 'x', 'chat', now(), now()) $$,
  '42501', null, 'a user cannot record a span for another user');
update sample.llm_spans set request_model = 'taken' where span_id = '00000000000000b1';

select exports_tests.authenticate_as('other');
select is((select request_model from sample.llm_spans where span_id = '00000000000000b1'), 'gpt-4.1',
  'another user''s update changed nothing');
select is_empty($$ select from sample.llm_spans where span_id = '00000000000000a1' $$,
  'another user does not see the owner''s span');

select exports_tests.authenticate_as_anon();
select throws_ok('select * from sample.llm_spans', '42501', null, 'anon cannot read spans');

select * from finish();
rollback;
