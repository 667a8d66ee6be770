-- An export deleted with its owner's account loses its row and its checkpoint at once; the cleanup still drops
-- its staged rows, and no other export's.
begin;
select plan(3);

select exports_tests.create_user(u) from unnest(array['leaver', 'stayer']) u;
select exports_tests.register_test_sources();
select exports_tests.add_items(u, 3) from unnest(array['leaver', 'stayer']) u;
select exports_tests.request_as('leaver') as gone \gset
select exports_tests.request_as('stayer') as kept \gset
select exports_tests.stage(:'gone');
select exports_tests.stage(:'kept');
delete from auth.users where id = exports_tests.user_id('leaver');

select is((exports.cleanup_expired_exports() ->> 'dropped_staging')::int, 1, 'the cleanup drops one table');
select is(to_regclass(format('exports_staging.%I', :'gone')), null, 'the deleted export''s staged rows are gone');
select isnt(to_regclass(format('exports_staging.%I', :'kept')), null, 'the running export keeps its staged rows');

select * from finish();
rollback;
