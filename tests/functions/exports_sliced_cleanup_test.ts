// A multi-slice export that fails part-way (a row too large for any part,
// far into the rows) leaves nothing once the cleanup and the worker's purge
// have run: no staging table, no part in Storage, no unfinished upload.
import assert from "node:assert/strict";
import { withDb } from "../support/db.ts";
import { createTestUser } from "../support/users.ts";
import { exportRow, pollFor, requestExport, settled, storedObjects } from "./_exports_helpers.ts";
import {
  checkpointOf,
  isUnfinishedUpload,
  numberedSource,
  registerNumberedSource,
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
    // Every upload a checkpoint named while it ran: parts stored, and the
    // part under way left unfinished in Storage by the failure.
    const urls = new Set<string>();
    const done = await pollFor("the export to fail", async () => {
      const checkpoint = await checkpointOf(exportId);
      if (checkpoint?.upload_state) urls.add(checkpoint.upload_state.url);
      const { status } = await exportRow(exportId);
      return status === "failed" ? status : undefined;
    }, 60_000);
    assert.equal(done, "failed");
    const summary = await settled(user, exportId);
    assert.equal(summary.error_code, "file_too_large", JSON.stringify(summary));
    return { exportId, urls };
  });

  const row = await exportRow(exportId.exportId);
  assert.ok(exportId.urls.size > 1, "the export went through several parts' uploads");

  await withDb((sql) => sql`select exports.cleanup_expired_exports()`);
  await wakeWorker();
  await pollFor(
    "the purge to remove the parts",
    async () => (await storedObjects(row)).length === 0 ? true : undefined,
  );
  for (const url of exportId.urls) {
    await pollFor(
      "the unfinished upload to be deleted",
      async () => (await isUnfinishedUpload(url)) ? undefined : true,
    );
  }
  const [{ staging }] = await withDb((sql) =>
    sql<{ staging: string | null }[]>`
      select to_regclass(format('exports_staging.%I', ${exportId.exportId}::text))::text as staging`
  );
  assert.equal(staging, null, "the staging table is dropped");
});
