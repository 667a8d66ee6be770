-- The cleanup prunes the run history of the module's own pg_cron jobs older than a day, and nobody else's.
begin;
select plan(3);

select exports.schedule_jobs();
select cron.schedule('someone-elses-job', '0 3 * * *', 'select 1');
-- job_pid -1 marks the runs this test made up, apart from those pg_cron really logs.
insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status, start_time, end_time)
select j.jobid, nextval('cron.runid_seq'), -1, 'postgres', 'postgres', j.command, 'succeeded', t, t
from cron.job j
cross join (values (now() - interval '2 days'), (now() - interval '1 hour')) as r (t)
where j.jobname in ('exports-wake', 'someone-elses-job');

select exports.cleanup_expired_exports();
select is((select count(*)::int from cron.job_run_details d join cron.job j using (jobid)
           where j.jobname = 'exports-wake' and d.job_pid = -1 and d.end_time < now() - interval '1 day'), 0,
  'the wake-up job''s run of two days ago is pruned');
select is((select count(*)::int from cron.job_run_details d join cron.job j using (jobid)
           where j.jobname = 'exports-wake' and d.job_pid = -1), 1,
  'the wake-up job''s run of an hour ago is kept');
select is((select count(*)::int from cron.job_run_details d join cron.job j using (jobid)
           where j.jobname = 'someone-elses-job' and d.job_pid = -1), 2,
  'another job''s history is left alone');

select * from finish();
rollback;
