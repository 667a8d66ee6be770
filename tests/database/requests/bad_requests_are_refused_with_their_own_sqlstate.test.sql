-- Each kind of bad request is refused with its own EX SQLSTATE and a message a person can act on.
begin;
select plan(13);

select exports_tests.create_user('owner');
select exports_tests.create_user('outsider');
select exports_tests.register_test_sources();
select exports_tests.create_scope('outsider') as outsiders_scope \gset

select exports_tests.authenticate_as('owner');

select throws_ok($$ select public.request_export(source => 'nope', format => 'csv') $$,
  'EX001', 'there is no export source named ''nope''', 'an unknown source is refused with EX001');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'docx') $$,
  'EX002', 'there is no export format ''docx''', 'an unknown format is refused with EX002');
select throws_ok($$ select public.request_export(source => 'test_shared_items', format => 'xlsx',
    scope => gen_random_uuid()) $$,
  'EX003', 'source ''test_shared_items'' does not offer format ''xlsx''',
  'a format the source does not offer is refused with EX003');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', options => '[1]') $$,
  'EX004', 'options must be a JSON object', 'options that are not an object are refused with EX004');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', options => '{"colour": "red"}') $$,
  'EX004', 'source ''test_items'' has no option ''colour''', 'an unknown option is refused with EX004');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', options => '{"min": "ten"}') $$,
  'EX004', 'option ''min'' must be a integer; got "ten"', 'an option of the wrong type is refused with EX004');
select throws_ok($$ select public.request_export(source => 'conversations', format => 'csv',
    options => '{"from": "2026-02-01", "to": "2026-01-01"}') $$,
  'EX004', 'option ''from'' (2026-02-01) is after ''to'' (2026-01-01)', 'an empty date range is refused with EX004');
select throws_ok($$ select public.request_export(source => 'conversations', format => 'csv', options => '{"from": "2026-02-30"}') $$,
  'EX004', 'option ''from'' must be a date; got "2026-02-30"', 'an impossible date is refused with EX004');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', compression => 'zip') $$,
  'EX004', 'there is no compression ''zip''', 'an unknown compression is refused with EX004');
select throws_ok(format($$ select public.request_export(source => 'test_shared_items', format => 'csv', scope => %L) $$,
    :'outsiders_scope'),
  'EX005', format('you are not a member of scope %s', :'outsiders_scope'),
  'a scope the caller does not belong to is refused with EX005');
select throws_ok($$ select public.request_export(source => 'test_shared_items', format => 'csv') $$,
  'EX006', 'source ''test_shared_items'' exports a shared scope; say which one',
  'a scoped source without a scope is refused with EX006');
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv', scope => gen_random_uuid()) $$,
  'EX006', 'source ''test_items'' exports your own data and takes no scope',
  'a scope for an unscoped source is refused with EX006');

select exports_tests.authenticate_as('owner');
select set_config('request.jwt.claims', '{"role": "authenticated"}', true);
select throws_ok($$ select public.request_export(source => 'test_items', format => 'csv') $$,
  'EX008', 'you must be signed in to use exports', 'a caller without a user id is refused with EX008');

select * from finish();
rollback;
