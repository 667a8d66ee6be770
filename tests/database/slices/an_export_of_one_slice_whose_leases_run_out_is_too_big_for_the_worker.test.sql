-- A staged export written in one slice (here a PDF, whose writer lays out every row at once) whose leases keep
-- running out fails as too_big_for_worker, as an export not staged does: there is no row to point at.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 5);
select exports_tests.request_as('owner', format => 'pdf') as id \gset
update exports.exports set max_attempts = 2 where export_id = :'id';
select is((exports_tests.stage(:'id') ->> 'rows_per_slice')::int, 5, 'the PDF is written in one slice');

update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select exports.cleanup_expired_exports();
select exports_tests.claim(:'id');
update exports.exports set lease_expires_at = now() - interval '1 second' where export_id = :'id';
select exports.cleanup_expired_exports();
select results_eq(format('select status, error_code from exports.exports where export_id = %L', :'id'),
  $$ values ('failed', 'too_big_for_worker') $$, 'its second lease running out fails it as too big for the worker');
select matches((select error_message from exports.exports where export_id = :'id'), 'narrow it down',
  'its message says to narrow it');

select * from finish();
rollback;
