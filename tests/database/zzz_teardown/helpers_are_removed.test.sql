-- Drops the suite's helpers once every other file has run (this one sorts last), so the database
-- holds only what the migrations put there: `supabase db diff`, the advisors and the lint tests
-- never see test objects.
set client_min_messages = warning;

drop schema if exists exports_tests cascade;

begin;
select plan(1);

select hasnt_schema('exports_tests', 'the helpers leave nothing behind');

select * from finish();
rollback;
