// The cleanup: a completed export past its expiry becomes expired, and the
// worker's purge removes its file from Storage (row and bytes), both logged.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import {
  exportEvents,
  exportRow,
  filesOnDisk,
  pollFor,
  requestExport,
  seedConversation,
  settled,
  storedObjects,
  wakeWorker,
} from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";

Deno.test("an expired export's file is purged from Storage and the purge is logged", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["soon gone"]);
  const exportId = await requestExport(user, { source: "conversations", format: "csv" });
  assert.equal((await settled(user, exportId)).status, "completed");
  const stored = await exportRow(exportId);
  assert.equal((await storedObjects(stored)).length, 1, "the file is stored at first");

  // Time travel past the retention instead of waiting days.
  await withDb(async (sql) => {
    await sql`update exports.exports set expires_at = now() - interval '1 second'
              where export_id = ${exportId}`;
    await sql`select exports.cleanup_expired_exports()`;
  });
  assert.equal((await exportRow(exportId)).status, "expired");
  await wakeWorker();
  const purged = await pollFor("the worker to purge the file", async () => {
    const row = await exportRow(exportId);
    return row.purged_at ? row : undefined;
  });

  assert.deepEqual(await storedObjects(purged), [], "storage.objects has no row for it");
  assert.deepEqual(await filesOnDisk(purged), [], "and the disk no bytes");
  const events = await exportEvents(exportId);
  assert.deepEqual(events.slice(-2), ["expired", "purged"]);
});
