import assert from "node:assert/strict";
import { withThrowawayDatabase } from "../../../tests/support/throwaway_database.ts";
import { applyFix, rolledBack } from "./_rolled_back.ts";
import { checkCronJobs } from "./cron.ts";

Deno.test("cron: the local stack's jobs are scheduled and pass", async () => {
  const findings = await rolledBack((tx) => checkCronJobs(tx));
  assert.deepEqual(findings.map((finding) => finding.severity), ["ok", "ok"]);
  assert.match(findings[0].message, /^exports-cleanup is scheduled/);
  assert.match(findings[1].message, /^exports-wake is scheduled/);
});

Deno.test("cron: a missing job is found, and its fix schedules it again", async () => {
  await rolledBack(async (tx) => {
    await tx`select cron.unschedule('exports-wake')`;
    const findings = await checkCronJobs(tx);
    assert.deepEqual(findings.map((finding) => finding.severity), ["ok", "fail"]);
    assert.match(findings[1].message, /exports-wake is not scheduled/);
    assert.equal(findings[1].fix, "select exports.schedule_jobs();");
    await applyFix(tx, findings[1].fix);
    assert.equal((await checkCronJobs(tx))[1].severity, "ok");
  });
});

Deno.test("cron: an inactive job is found, and its fix activates it", async () => {
  await rolledBack(async (tx) => {
    await tx`update cron.job set active = false where jobname = 'exports-cleanup'`;
    const [finding] = await checkCronJobs(tx);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /exports-cleanup is inactive/);
    await applyFix(tx, finding.fix);
    assert.equal((await checkCronJobs(tx))[0].severity, "ok");
  });
});

Deno.test("cron: a job whose latest run failed is found with pg_cron's message", async () => {
  await rolledBack(async (tx) => {
    // A run as pg_cron records one that failed, later than any real run.
    await tx`
      insert into cron.job_run_details (jobid, runid, database, username, command, status, return_message, start_time, end_time)
      select j.jobid, nextval('cron.runid_seq'), j.database, j.username, j.command, 'failed',
        'ERROR:  permission denied for schema exports', now() + interval '1 minute', now() + interval '1 minute'
      from cron.job j where j.jobname = 'exports-cleanup'`;
    const [finding] = await checkCronJobs(tx);
    assert.equal(finding.severity, "fail");
    assert.match(
      finding.message,
      /latest run of exports-cleanup, .* failed: ERROR: +permission denied/,
    );
    assert.match(finding.fix ?? "", /cron\.job_run_details where jobid = \d+/);
  });
});

Deno.test("cron: a database without pg_cron is told how to install it", async () => {
  await withThrowawayDatabase("doctor_cron", async (databaseUrl) => {
    const [finding, ...others] = await rolledBack((tx) => checkCronJobs(tx), databaseUrl);
    assert.equal(others.length, 0);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /pg_cron is not installed in database doctor_cron_\d+/);
    assert.match(
      finding.fix ?? "",
      /create extension if not exists pg_cron.*select exports\.schedule_jobs\(\)/,
    );
  });
});
