-- Every legal status transition goes through: queued → processing → completed | failed, back to queued, canceled, expired.
begin;
select plan(7);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 10;

select exports_tests.request_as('owner') as a \gset
select exports_tests.request_as('owner') as b \gset
select exports_tests.request_as('owner') as c \gset

select lives_ok(format($$ update exports.exports set status = 'processing' where export_id = %L $$, :'a'),
  'queued → processing is allowed');
select lives_ok(format($$ update exports.exports set status = 'queued' where export_id = %L $$, :'a'),
  'processing → queued (a retry) is allowed');
select lives_ok(format($$ update exports.exports set status = 'canceled' where export_id = %L $$, :'a'),
  'queued → canceled is allowed');
update exports.exports set status = 'processing' where export_id in (:'b', :'c');
select lives_ok(format($$ update exports.exports set status = 'failed' where export_id = %L $$, :'b'),
  'processing → failed is allowed');
select lives_ok(format($$ update exports.exports set status = 'completed', file_size = 1,
    checksum_sha256 = repeat('0', 64), expires_at = now() where export_id = %L $$, :'c'),
  'processing → completed is allowed');
select lives_ok(format($$ update exports.exports set status = 'expired' where export_id = %L $$, :'c'),
  'completed → expired is allowed');

select exports_tests.request_as('owner') as d \gset
update exports.exports set status = 'processing' where export_id = :'d';
select lives_ok(format($$ update exports.exports set status = 'canceled' where export_id = %L $$, :'d'),
  'processing → canceled is allowed');

select * from finish();
rollback;
