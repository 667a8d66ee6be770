-- list_exports returns the caller's exports newest first, in bounded keyset pages, with filters and a total count.
begin;
select plan(7);

select exports_tests.create_user('owner');
select exports_tests.create_user('other');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner', format => f) from unnest(array['csv', 'json', 'csv', 'html', 'csv']) f;
select exports_tests.request_as('other');
update exports.exports set requested_at = now() - make_interval(mins => id::int);

select exports_tests.authenticate_as('owner');
select public.list_exports(page_size => 2) as first_page \gset
select is(jsonb_array_length(:'first_page'::jsonb -> 'exports'), 2, 'a page holds page_size exports');
select is((:'first_page'::jsonb ->> 'total_count')::int, 5, 'the total counts every export the caller may see');
select ok((:'first_page'::jsonb #>> '{exports,0,requested_at}')::timestamptz
          > (:'first_page'::jsonb #>> '{exports,1,requested_at}')::timestamptz, 'exports come newest first');

select public.list_exports(page_size => 2, before_export_id => (:'first_page'::jsonb ->> 'next_before_export_id')::uuid) as second_page \gset
select ok((:'second_page'::jsonb #>> '{exports,0,requested_at}')::timestamptz
          < (:'first_page'::jsonb #>> '{exports,1,requested_at}')::timestamptz,
  'the next page continues after the last export of the previous one');

select is((public.list_exports(format => 'csv') ->> 'total_count')::int, 3, 'the format filter keeps matching exports only');
select is(public.list_exports(page_size => 10) -> 'next_before_export_id', 'null'::jsonb, 'the last page has no next cursor');
select throws_ok($$ select public.list_exports(page_size => 1000) $$, 'EX004',
  'page_size must be between 1 and 100; got 1000', 'a page size over the bound is refused with EX004');

select * from finish();
rollback;
