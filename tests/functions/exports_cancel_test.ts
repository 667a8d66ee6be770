// Canceling an export while the worker is writing it: it ends canceled, never
// completed, and the worker leaves no file in Storage.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import {
  callExports,
  exportEvents,
  exportRow,
  filesOnDisk,
  pollFor,
  requestExport,
  seedConversation,
  seedManyConversations,
  settled,
  storedObjects,
} from "./_exports_helpers.ts";

Deno.test("a large export canceled while processing ends canceled and stores no file", async () => {
  const user = await createTestUser();
  await seedManyConversations(user, 4_000);
  const exportId = await requestExport(user, { source: "conversations", format: "csv" });
  await pollFor("the worker to start the export", async () => {
    const { body } = await callExports(user, `/${exportId}`, "GET");
    return body.status === "processing" ? true : undefined;
  });

  const canceled = await callExports(user, `/${exportId}/cancel`, "POST", {});
  assert.deepEqual([canceled.status, canceled.body.status], [200, "canceled"]);

  // A later export of this user completing shows the worker went on past the
  // cancel. It runs exports side by side, so that does not prove the canceled
  // run has ended: that a stopped run removes its file, at any point, is
  // runExport's to show (run_export_test.ts, mid-COPY included). Here: the
  // export stays canceled and nothing of it is in Storage at this point.
  await seedConversation(user, ["after the cancel"]);
  const later = await requestExport(user, { source: "conversations", format: "jsonl" });
  assert.equal((await settled(user, later)).status, "completed");

  const row = await exportRow(exportId);
  assert.equal(row.status, "canceled");
  assert.ok(!(await exportEvents(exportId)).includes("completed"), "it never completed");
  assert.deepEqual(await storedObjects(row), [], "Storage has no object for it");
  assert.deepEqual(await filesOnDisk(row), [], "nor any bytes on disk");
});
