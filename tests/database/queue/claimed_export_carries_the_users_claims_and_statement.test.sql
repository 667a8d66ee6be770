-- A claimed export carries the requester's JWT claims and, per format, the statement to run and its kind.
begin;
select plan(9);

select tests.create_user('owner');
select tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select tests.request_as('owner', format => f, options => '{"min": 2}') from unnest(array['csv', 'jsonl', 'markdown', 'html', 'xlsx']) f;
select tests.authenticate_as_service_role();
create temp table claimed as select * from exports.claim_exports(worker_id => 'worker-1', max_exports => 10);
select tests.clear_authentication();

select is((select claims from claimed where format = 'csv'),
  jsonb_build_object('sub', tests.user_id('owner'), 'role', 'authenticated', 'aud', 'authenticated',
    'email', 'owner@tests.example', 'app_metadata', '{}'::jsonb, 'user_metadata', '{}'::jsonb, 'is_anonymous', false),
  'the claims are the requester''s, as PostgREST would set them');
select is((select statement from claimed where format = 'csv'),
  $$copy (select * from tests.item_rows('{"min": 2}'::jsonb)) to stdout with (format csv, header)$$,
  'csv runs COPY ... WITH (FORMAT csv, HEADER) over the source function with the options as a literal');
select is((select statement_kind from claimed where format = 'csv'), 'copy_csv', 'csv is a copy_csv statement');
select is((select statement from claimed where format = 'jsonl'),
  $$copy (select row_to_json(r)::text from (select * from tests.item_rows('{"min": 2}'::jsonb)) as r) to stdout$$,
  'jsonl copies one JSON document a row, columns in order');
select matches((select statement from claimed where format = 'markdown'),
  '^copy \(select ''\| n \| label \|\n\| --- \| --- \|'' union all',
  'markdown starts with the header chunk');
select matches((select statement from claimed where format = 'html'),
  '^copy \(select ''<tr><th>n</th><th>label</th></tr>'' union all \(select exports.html_row',
  'html starts with the header row chunk, then one row chunk a row');
select is((select statement_kind from claimed where format = 'html'), 'copy_text', 'html is a copy_text statement');
select is((select statement from claimed where format = 'xlsx'),
  $$select * from tests.item_rows('{"min": 2}'::jsonb) limit 1048576$$,
  'xlsx reads a plain select through a cursor, at most one row past a sheet''s 1048575');
select is((select storage_bucket || ':' || content_type from claimed where format = 'xlsx'),
  'exports:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'the file goes to the exports bucket with its format''s content type');

select * from finish();
rollback;
