-- Exports requested together get file names of their own: the id in a file name is the random end of the export's UUIDv7, not its time.
begin;
select plan(2);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();

select exports_tests.request_as('owner') as a \gset
select exports_tests.request_as('owner') as b \gset

select isnt((select file_name from exports.exports where export_id = :'a'),
  (select file_name from exports.exports where export_id = :'b'),
  'two exports requested in the same second have different file names');
select is((select file_name from exports.exports where export_id = :'a'),
  format('test_items-%s-%s.csv', to_char(now() at time zone 'utc', 'YYYYMMDD-HH24MISS'), right(:'a', 8)),
  'a file name ends with the last 8 hex digits of the export id');

select * from finish();
rollback;
