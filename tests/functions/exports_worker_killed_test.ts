// A worker killed in the middle of an export: once its lease runs out the
// cleanup puts the export back in the queue, and a new worker completes it
// exactly once, leaving one whole file and nothing else.
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { createTestUser } from "../support/users.ts";
import {
  exportEvents,
  exportRow,
  filesOnDisk,
  linkedBytes,
  pollFor,
  requestExport,
  settled,
  storedObjects,
  wakeWorker,
} from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";
import { isRunning, stackWorkerPids } from "./_worker_process.ts";
import { registerSlowSource, slowExport, slowStatementBackends } from "./_slow_source.ts";

/** Long enough in its statement that the kill always lands mid-export. */
const exportSeconds = 3;

Deno.test("an export whose worker was killed is retried after its lease and completes once", async () => {
  await registerSlowSource();
  const user = await createTestUser();
  const request = slowExport(exportSeconds);
  const exportId = await requestExport(user, request);
  await pollFor("the worker to be in the export's statement", async () => {
    return (await slowStatementBackends(exportId)).length ? true : undefined;
  });

  const pids = await stackWorkerPids();
  assert.equal(pids.length, 1, "the stack runs one worker process");
  Deno.kill(pids[0], "SIGKILL");
  await pollFor("the worker to exit", async () => (await isRunning(pids[0])) ? undefined : true);
  const orphaned = await exportRow(exportId);
  assert.deepEqual(
    [orphaned.status, orphaned.attempt],
    ["processing", 1],
    "the dead worker holds it",
  );

  // Time travel instead of waiting out the 120 s lease.
  const summary = await withDb(async (sql) => {
    await sql`update exports.exports set lease_expires_at = now() - interval '1 second'
              where export_id = ${exportId} and status = 'processing'`;
    const [{ cleanup }] = await sql`select exports.cleanup_expired_exports() as cleanup`;
    // And through the retry's backoff.
    await sql`update exports.exports set next_run_at = now()
              where export_id = ${exportId} and status = 'queued'`;
    return cleanup;
  });
  assert.ok(summary.requeued >= 1, `the cleanup requeued it: ${JSON.stringify(summary)}`);
  await wakeWorker();
  // Generous for a loaded machine: the killed staging's backend runs on until
  // its statement ends, and the retry may wait for it.
  const done = await settled(user, exportId, 90_000);
  assert.deepEqual([done.status, done.attempt], ["completed", 2]);

  const events = await exportEvents(exportId);
  assert.equal(events.filter((event) => event === "completed").length, 1, events.join(", "));
  assert.ok(events.includes("retried"), events.join(", "));
  const row = await exportRow(exportId);
  // The killed attempt's upload never finished: only the second attempt's file exists.
  assert.deepEqual(await storedObjects(row), [row.storage_path], "one object in Storage");
  assert.deepEqual(
    await filesOnDisk(row),
    [row.storage_path.split("/").slice(2).join("/")],
    "one file on disk",
  );
  const records = parseCsv(new TextDecoder().decode(await linkedBytes(user, exportId)), {
    columns: true,
  });
  assert.equal(records.length, (request.options as { rows: number }).rows, "the file is whole");
});
