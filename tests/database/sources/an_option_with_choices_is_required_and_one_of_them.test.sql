-- An option with choices (the analytics kind) must be given and be one of them; the refusal names every choice.
begin;
select plan(6);

select exports_tests.create_user('owner');
select exports_tests.authenticate_as('owner');

select throws_ok($$ select public.request_export('analytics', 'csv', '{}') $$, 'EX004',
  'source ''analytics'' needs option ''kind'', one of: daily_activity, quality_over_time, tag_stats, '
  'conversation_length, response_length_by_role, busiest_hours, tag_by_month',
  'a request without a kind is refused with the kinds listed');
select throws_ok($$ select public.request_export('analytics', 'csv', '{"kind": "everything"}') $$, 'EX004',
  'option ''kind'' of source ''analytics'' must be one of: daily_activity, quality_over_time, tag_stats, '
  'conversation_length, response_length_by_role, busiest_hours, tag_by_month; got "everything"',
  'a kind that is not a choice is refused with the kinds listed');
select throws_ok($$ select public.request_export('analytics', 'csv', '{"kind": 1}') $$, 'EX004', null,
  'a kind that is not text is refused');
select lives_ok($$ select public.request_export('analytics', 'parquet', '{"kind": "tag_by_month"}') $$,
  'a valid kind is accepted');

select exports_tests.clear_authentication();
select throws_ok($$ select exports.set_option_choices('analytics', 'from', array['a']) $$, 'EX030', null,
  'only a text option can have choices');
select throws_ok($$ select exports.set_text_function('nowhere', 'sample.conversation_text_transcripts(jsonb)') $$,
  'EX030', null, 'a text function is set only for a registered source');

select * from finish();
rollback;
