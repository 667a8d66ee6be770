-- Claims are fair between owners: a user with many queued exports gets one turn, then each other
-- owner gets theirs, whoever asked first; an owner's own exports keep their order.
begin;
select plan(2);

select exports_tests.create_user(u) from unnest(array['busy', 'second', 'third']) u;
select exports_tests.register_test_sources();
update exports.settings set max_active_exports_per_user = 20, max_exports_per_day = 20;

create temp table requested (n int generated always as identity, who text, export_id uuid);
insert into requested (who, export_id) select 'busy', exports_tests.request_as('busy') from generate_series(1, 5);
insert into requested (who, export_id) select 'second', exports_tests.request_as('second') from generate_series(1, 2);
insert into requested (who, export_id) values ('third', exports_tests.request_as('third'));

select exports_tests.authenticate_as_service_role();
create temp table claimed as
  select row_number() over () as n, c.export_id from exports.claim_exports(worker_id => 'worker-1', max_exports => 10) c;
select exports_tests.clear_authentication();

select results_eq(
  $$ select r.who from claimed c join requested r using (export_id) order by c.n $$,
  $$ values ('busy'), ('second'), ('third'), ('busy'), ('second'), ('busy'), ('busy'), ('busy') $$,
  'owners take turns: the busy user''s backlog does not hold back the others');
select results_eq(
  $$ select c.export_id from claimed c join requested r using (export_id) where r.who = 'busy' order by c.n $$,
  $$ select export_id from requested where who = 'busy' order by n $$,
  'each owner''s own exports are claimed in the order they were requested');

select * from finish();
rollback;
