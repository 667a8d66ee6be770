-- All slices of an export read one snapshot: rows inserted or deleted after its staging change nothing a slice reads.
begin;
select plan(2);

select exports_tests.create_user(u) from unnest(array['owner', 'other']) u;
select exports_tests.register_test_sources();
select exports_tests.create_scope('owner', 'other') as scope \gset
select exports_tests.add_items('owner', 4, :'scope');
select exports_tests.request_as('owner', source => 'test_shared_items', scope => :'scope') as id \gset
select exports_tests.stage(:'id');

-- Another member of the scope adds rows, and one of the staged rows is deleted.
select exports_tests.add_items('other', 3, :'scope');
delete from exports_tests.items where scope_id = :'scope' and n = 2 and owner_id = exports_tests.user_id('owner');

select results_eq(regexp_replace(exports.slice_statement(:'id', 1, 4), '^copy \((.*)\) to stdout.*$', '\1'),
  $$ values (1, 'owner''s item 1'), (2, 'owner''s item 2'), (3, 'owner''s item 3'), (4, 'owner''s item 4') $$,
  'a slice reads the rows as they were staged, the deleted one included');
select is_empty(regexp_replace(exports.slice_statement(:'id', 5, 10), '^copy \((.*)\) to stdout.*$', '\1'),
  'no row added since is read past the staged ones');

select * from finish();
rollback;
