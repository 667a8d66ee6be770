// Checks the module's pg_cron jobs: installed, active, and their latest runs
// succeeded. Without them expired files stay and retries wait forever.
import type postgres from "postgres";
import { formatAge } from "./age.ts";
import type { Finding } from "./finding.ts";

/** The jobs `exports.schedule_jobs()` installs. */
export const moduleJobs = ["exports-cleanup", "exports-wake"];

/** A job whose latest run is older than this has stopped running: both run at least once a minute. */
export const staleRunSeconds = 15 * 60;

/** Reports pg_cron missing, each job missing or inactive, and each job whose latest run failed. */
export async function checkCronJobs(sql: postgres.TransactionSql): Promise<Finding[]> {
  const [{ installed, database }] = await sql`
    select exists (select from pg_catalog.pg_extension where extname = 'pg_cron') as installed,
      current_database() as database`;
  if (!installed) {
    return [{
      check: "cron",
      severity: "fail",
      message:
        `pg_cron is not installed in database ${database}: nothing expires or purges files, and retries wait for a request to wake the worker`,
      fix:
        "create extension if not exists pg_cron with schema pg_catalog; select exports.schedule_jobs();   (hosted: Integrations > Cron in the Dashboard; pg_cron runs in the database named by cron.database_name)",
    }];
  }
  const jobs = await sql`
    select j.jobid, j.jobname, j.active, r.status, r.return_message,
      extract(epoch from now() - r.start_time)::float8 as age
    from cron.job j
    left join lateral (
      select d.status, d.return_message, d.start_time from cron.job_run_details d
      where d.jobid = j.jobid and d.status in ('succeeded', 'failed')
      order by d.start_time desc limit 1
    ) r on true
    where j.jobname = any(${moduleJobs})`;
  const findings: Finding[] = [];
  for (const name of moduleJobs) {
    const job = jobs.find((row) => row.jobname === name);
    if (!job) {
      findings.push({
        check: "cron",
        severity: "fail",
        message: `the pg_cron job ${name} is not scheduled`,
        fix: "select exports.schedule_jobs();",
      });
    } else if (!job.active) {
      findings.push({
        check: "cron",
        severity: "fail",
        message: `the pg_cron job ${name} is inactive`,
        fix: `select cron.alter_job(${job.jobid}, active => true);`,
      });
    } else if (job.status === "failed") {
      findings.push({
        check: "cron",
        severity: "fail",
        message: `the latest run of ${name}, ${formatAge(job.age)} ago, failed: ${
          String(job.return_message ?? "").trim()
        }`,
        fix:
          `select start_time, status, return_message from cron.job_run_details where jobid = ${job.jobid} order by start_time desc limit 10;   (fix what it says, then watch the next run)`,
      });
    } else if (job.status === "succeeded" && job.age > staleRunSeconds) {
      findings.push({
        check: "cron",
        severity: "warn",
        message: `${name} last ran ${
          formatAge(job.age)
        } ago: pg_cron's scheduler may be stopped (cron.database_name, cron.use_background_workers)`,
        fix:
          "select * from pg_catalog.pg_stat_activity where application_name = 'pg_cron scheduler';   (restart the database if it is missing)",
      });
    } else {
      findings.push({
        check: "cron",
        severity: "ok",
        message: job.status
          ? `${name} is scheduled and its latest run, ${formatAge(job.age)} ago, succeeded`
          : `${name} is scheduled; no run is recorded yet`,
      });
    }
  }
  return findings;
}
