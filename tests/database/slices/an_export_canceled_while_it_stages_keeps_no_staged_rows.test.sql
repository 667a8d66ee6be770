-- Staging's last step checks the claim again: an export canceled (or whose lease was lost) while its rows
-- were staging gets no checkpoint and keeps no staged rows.
begin;
select plan(3);

select exports_tests.create_user('owner');
select exports_tests.register_test_sources();
select exports_tests.add_items('owner', 3);
select exports_tests.request_as('owner') as id \gset
select exports_tests.claim(:'id');

-- stage_export's steps, with the owner's cancel between them.
select exports._stage_begin(:'id', 'worker-1', 1);
select exports_tests.authenticate_as('owner');
select public.cancel_export(:'id');
select exports_tests.clear_authentication();

select is(exports._stage_end(:'id', 'worker-1', 1, null), null, 'the last step stops');
select is(to_regclass(format('exports_staging.%I', :'id')), null, 'the staged rows are dropped');
select is_empty(format('select from exports.export_checkpoints where export_id = %L', :'id'), 'no checkpoint is recorded');

select * from finish();
rollback;
