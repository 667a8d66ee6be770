// A multi-slice export that fails part-way (a row too large for any part,
// far into the rows) leaves nothing once the cleanup and the worker's purge
// have run: no staging table, no part in Storage, no unfinished upload.
import assert from "node:assert/strict";
import { withDb } from "../support/db.ts";
import { createTestUser } from "../support/users.ts";
import { exportRow, pollFor, requestExport, settled, storedObjects } from "./_exports_helpers.ts";
import {
  checkpointOf,
  numberedSource,
  registerNumberedSource,
  uploadExists,
  withSliceBytes,
} from "./_sliced_exports.ts";
import { wakeWorker } from "./_exports_helpers.ts";

Deno.test("cleanup of a failed multi-slice export leaves no staging table, no parts and no unfinished upload", async () => {
  await registerNumberedSource();
  const user = await createTestUser();
  const exportId = await withSliceBytes(8 * 1024, async () => {
    const exportId = await requestExport(user, {
      source: numberedSource,
      format: "csv",
      options: { rows: 8_000, width: 30, wide_row: 6_000 },
      max_part_bytes: 64 * 1024,
    });
    // The checkpoint of the last slice before the failing row: parts stored,
    // and the part under way left unfinished in Storage.
    const seen = await pollFor("a checkpoint with an unfinished upload", async () => {
      const checkpoint = await checkpointOf(exportId);
      return checkpoint?.upload_state && checkpoint.part > 2 ? checkpoint : undefined;
    });
    const done = await settled(user, exportId);
    assert.equal(done.status, "failed", JSON.stringify(done));
    assert.equal(done.failure_code, "file_too_large");
    return { exportId, staging: seen.staging_table };
  });

  const row = await exportRow(exportId.exportId);
  const unfinished = (await checkpointOf(exportId.exportId))?.upload_state;
  assert.ok(unfinished, "the failed export's checkpoint names its unfinished upload");
  assert.ok((await storedObjects(row)).length > 0, "parts were stored before the failure");

  await withDb((sql) => sql`select exports.cleanup_expired_exports()`);
  await wakeWorker();
  await pollFor(
    "the purge to remove the parts",
    async () => (await storedObjects(row)).length === 0 ? true : undefined,
  );
  await pollFor(
    "the unfinished upload to be deleted",
    async () => (await uploadExists(unfinished.url)) ? undefined : true,
  );
  const [{ staging }] = await withDb((sql) =>
    sql<{ staging: string | null }[]>`select to_regclass(${exportId.staging})::text as staging`
  );
  assert.equal(staging, null, "the staging table is dropped");
});
