-- schedule_jobs installs the cleanup and wake-up jobs by name, and a second run changes nothing.
begin;
select plan(5);

select exports.unschedule_jobs();
select results_eq($$ select * from exports.schedule_jobs() $$, $$ values ('exports-cleanup'), ('exports-wake') $$,
  'schedule_jobs reports the two jobs it scheduled');
select results_eq($$ select jobname::text collate "default", command collate "default" from cron.job where jobname like 'exports-%' order by jobname $$,
  $$ values ('exports-cleanup', 'select exports.cleanup_expired_exports()'), ('exports-wake', 'select exports.wake_worker()') $$,
  'the cleanup and the wake-up are scheduled by name');

create temp table before_rerun as
  select jobid, jobname collate "default" as jobname, schedule collate "default" as schedule, command collate "default" as command
  from cron.job where jobname like 'exports-%';
select exports.schedule_jobs();
select set_eq($$ select jobid, jobname collate "default", schedule collate "default", command collate "default"
     from cron.job where jobname like 'exports-%' $$,
  $$ select * from before_rerun $$, 'a second run leaves the same jobs with the same ids');

select is((select schedule from cron.job where jobname = 'exports-cleanup'), '* * * * *', 'the cleanup runs every minute');
select results_eq($$ select * from exports.unschedule_jobs() order by 1 $$,
  $$ values ('exports-cleanup'), ('exports-wake') $$, 'unschedule_jobs removes both jobs');

select * from finish();
rollback;
