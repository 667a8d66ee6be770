-- register_source refuses, with EX030, a function that could not serve as a source, and re-registering a name updates it.
begin;
select plan(5);

create function exports_tests.definer_rows(options jsonb) returns table (n int)
language sql security definer set search_path = '' as $$ select 1 $$;
create function exports_tests.no_options() returns table (n int)
language sql set search_path = '' as $$ select 1 $$;
create function exports_tests.scalar_rows(options jsonb) returns setof int
language sql set search_path = '' as $$ select 1 $$;

select throws_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.definer_rows(jsonb)', formats => array['csv']) $$,
  'EX030', 'rows function exports_tests.definer_rows(jsonb) must be security invoker', 'a security definer function is refused');
select throws_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.no_options()', formats => array['csv']) $$,
  'EX030', 'rows function exports_tests.no_options() must take exactly one argument, options jsonb', 'a function without the options argument is refused');
select throws_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.scalar_rows(jsonb)', formats => array['csv']) $$,
  'EX030', 'rows function exports_tests.scalar_rows(jsonb) must return rows with named columns', 'a function without named columns is refused');
select throws_ok($$ select exports.register_source(name => 'x', rows_function => 'exports_tests.item_rows(jsonb)', formats => array['csv', 'docx']) $$,
  'EX030', 'source x lists unknown formats: docx', 'an unknown format is refused');

select exports_tests.register_test_sources();
select exports.register_source(name => 'test_items', rows_function => 'exports_tests.item_rows(jsonb)', formats => array['pdf']);
select is((select formats from exports.sources where name = 'test_items'), array['pdf'], 're-registering a source updates it in place');

select * from finish();
rollback;
