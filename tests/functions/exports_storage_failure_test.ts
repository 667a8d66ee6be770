// Storage failing to take the file: the worker retries with backoff, then
// fails the export for good with an error its user can read.
import assert from "node:assert/strict";
import { join } from "node:path";
import { createTestUser } from "../support/users.ts";
import {
  callExports,
  exportEvents,
  exportRow,
  gatewayStorageDir,
  pollFor,
  requestExport,
  seedConversation,
  wakeWorker,
} from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";

Deno.test("an export Storage cannot write is retried, then failed with a clear error", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["hello"]);
  // A file where the user's folder should be, for objects and for resumable
  // uploads alike: the gateway's disk write fails and Storage answers 500,
  // as it does when its backend is down.
  const blockers = [
    join(gatewayStorageDir(), "exports", user.id),
    join(gatewayStorageDir(), ".tus", "exports", user.id),
  ];
  for (const blocker of blockers) {
    await Deno.mkdir(join(blocker, ".."), { recursive: true });
    await Deno.writeTextFile(blocker, "not a folder");
  }
  try {
    const exportId = await requestExport(user, { source: "conversations", format: "csv" });
    const failed = await pollFor("the export to fail for good", async () => {
      const row = await exportRow(exportId);
      if (row.status === "failed") return row;
      if (row.status === "queued" && row.attempt > 0) {
        // Time travel through the backoff instead of waiting for it.
        await withDb((sql) =>
          sql`update exports.exports set next_run_at = now()
              where export_id = ${exportId} and status = 'queued'`
        );
        await wakeWorker();
      }
      return undefined;
    });
    assert.equal(failed.attempt, failed.max_attempts, "every attempt was used");
    const events = await exportEvents(exportId);
    assert.equal(events.filter((event) => event === "retried").length, failed.max_attempts - 1);

    const { body } = await callExports(user, `/${exportId}`, "GET");
    assert.deepEqual([body.status, body.error_code, body.error_message], [
      "failed",
      "storage_unavailable",
      "The file could not be stored right now. Exports are retried a few times; if this one has failed, request it again later.",
    ]);
  } finally {
    for (const blocker of blockers) await Deno.remove(blocker);
  }
});

Deno.test("a file over the bucket's size limit fails at once as file_too_large", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["a message longer than the limit below"]);
  // Storage answers HTTP 400 with statusCode "413" in the body; the worker
  // must read the body's status, not the HTTP one.
  const [{ limit }] = await withDb((sql) =>
    sql`select file_size_limit as limit from storage.buckets where id = 'exports'`
  );
  await withDb((sql) => sql`update storage.buckets set file_size_limit = 16 where id = 'exports'`);
  try {
    const exportId = await requestExport(user, { source: "conversations", format: "csv" });
    const failed = await pollFor("the export to fail", async () => {
      const row = await exportRow(exportId);
      return row.status === "failed" ? row : undefined;
    });
    assert.deepEqual([failed.error_code, failed.attempt], ["file_too_large", 1]);
    const { body } = await callExports(user, `/${exportId}`, "GET");
    assert.equal(
      body.error_message,
      "The file is larger than the storage bucket accepts; export fewer rows.",
    );
  } finally {
    await withDb((sql) =>
      sql`update storage.buckets set file_size_limit = ${limit} where id = 'exports'`
    );
  }
});
