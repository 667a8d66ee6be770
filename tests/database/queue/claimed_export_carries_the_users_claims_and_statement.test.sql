-- A claimed export carries the requester's JWT claims as they were when they
-- asked and, per format, the statement to run and its kind.
begin;
select plan(12);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner', format => f, options => '{"min": 2}') from unnest(array['csv', 'jsonl', 'markdown', 'html', 'xlsx']) f;
-- A session after MFA whose token an access token hook gave a claim of its
-- own (and, say, a role of its own, which the worker does not take).
set local role authenticated;
select set_config('request.jwt.claims', json_build_object('sub', exports_tests.user_id('owner'), 'role', 'premium',
  'aud', 'authenticated', 'aal', 'aal2', 'user_role', 'auditor')::text, true);
select public.request_export('test_items', 'pdf', '{"min": 2}');
select exports_tests.clear_authentication();
-- Rows put in the table by other means carry no claims.
insert into exports.exports (owner_id, source, format, max_attempts, content_type, file_name, storage_path)
values (exports_tests.user_id('owner'), 'test_items', 'json', 1, 'application/json', 'x.json', 'x/x.json');

select exports_tests.authenticate_as('owner');
select throws_ok($$select * from exports.request_claims$$, '42501', null,
  'signed-in users cannot read recorded claims, their own or a fellow scope member''s');
select exports_tests.clear_authentication();

select exports_tests.authenticate_as_service_role();
create temp table claimed as select * from exports.claim_exports(worker_id => 'worker-1', max_exports => 10);
select exports_tests.clear_authentication();

select is((select claims from claimed where format = 'csv'),
  jsonb_build_object('sub', exports_tests.user_id('owner'), 'role', 'authenticated', 'aud', 'authenticated',
    'email', 'owner@tests.example'),
  'the claims are the request''s, as PostgREST set them');
select is((select claims from claimed where format = 'pdf'),
  jsonb_build_object('sub', exports_tests.user_id('owner'), 'role', 'authenticated', 'aud', 'authenticated',
    'aal', 'aal2', 'user_role', 'auditor'),
  'claims a hook added and the session''s aal are kept; the role is authenticated, the one the worker runs as');
select is((select claims from claimed where format = 'json'),
  jsonb_build_object('sub', exports_tests.user_id('owner'), 'role', 'authenticated'),
  'an export without recorded claims still runs as its owner, as authenticated');
select is((select statement from claimed where format = 'csv'),
  $$copy (select * from exports_tests.item_rows('{"min": 2}'::jsonb)) to stdout with (format csv, header)$$,
  'csv runs COPY ... WITH (FORMAT csv, HEADER) over the source function with the options as a literal');
select is((select statement_kind from claimed where format = 'csv'), 'copy_csv', 'csv is a copy_csv statement');
select is((select statement from claimed where format = 'jsonl'),
  $$copy (select row_to_json(r)::text from (select * from exports_tests.item_rows('{"min": 2}'::jsonb)) as r) to stdout$$,
  'jsonl copies one JSON document a row, columns in order');
select matches((select statement from claimed where format = 'markdown'),
  '^copy \(select ''\| n \| label \|\n\| --- \| --- \|'' union all',
  'markdown starts with the header chunk');
select matches((select statement from claimed where format = 'html'),
  '^copy \(select ''<tr><th>n</th><th>label</th></tr>'' union all \(select exports.html_row',
  'html starts with the header row chunk, then one row chunk a row');
select is((select statement_kind from claimed where format = 'html'), 'copy_text', 'html is a copy_text statement');
select is((select statement from claimed where format = 'xlsx'),
  $$select * from exports_tests.item_rows('{"min": 2}'::jsonb)$$,
  'xlsx reads a plain select through a cursor, with no row cap: a workbook goes on in a next sheet');
select is((select storage_bucket || ':' || content_type from claimed where format = 'xlsx'),
  'exports:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'the file goes to the exports bucket with its format''s content type');

select * from finish();
rollback;
