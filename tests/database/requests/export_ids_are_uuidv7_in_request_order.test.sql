-- Export ids are UUIDv7 (RFC 9562): they begin with the Unix milliseconds of the request, so later
-- requests get greater ids and land together at the right edge of the indexes keyed by them.
begin;
select plan(5);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as first_id \gset
select pg_sleep(0.005);
select exports_tests.request_as('owner') as second_id \gset

select is(substr(:'first_id', 15, 1), '7', 'the version nibble is 7');
select ok(substr(:'first_id', 20, 1) in ('8', '9', 'a', 'b'), 'the variant bits are RFC 9562''s (10)');
select ok(:'second_id'::uuid > :'first_id'::uuid, 'a later request has a greater id');
select cmp_ok(
  abs(('x' || replace(left(:'first_id', 13), '-', ''))::bit(48)::bigint
      - floor(extract(epoch from clock_timestamp()) * 1000)::bigint),
  '<', 5000::bigint, 'the id begins with the time of the request, in Unix milliseconds');
select is(
  (select count(distinct exports.uuid_v7()) from generate_series(1, 1000)), 1000::bigint,
  'ids made in the same millisecond still differ');

select * from finish();
rollback;
