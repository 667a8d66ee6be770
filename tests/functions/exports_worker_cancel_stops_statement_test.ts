// A cancel stops the work: the canceled export's statement ends within a few
// seconds rather than at its natural end, and nothing of it is stored.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import {
  callExports,
  exportEvents,
  exportRow,
  filesOnDisk,
  pollFor,
  requestExport,
  storedObjects,
} from "./_exports_helpers.ts";
import {
  isStaging,
  registerSlowSource,
  slowExport,
  slowStatementBackends,
} from "./_slow_source.ts";

Deno.test("canceling an export while its rows are staged ends the statement within seconds", async () => {
  await registerSlowSource();
  const user = await createTestUser();
  const exportId = await requestExport(user, slowExport(30));
  const [backend] = await pollFor("the export's staging to run", async () => {
    const pids = await slowStatementBackends(exportId);
    return pids.length ? pids : undefined;
  });

  const canceledAt = Date.now();
  const canceled = await callExports(user, `/${exportId}/cancel`, "POST", {});
  assert.deepEqual([canceled.status, canceled.body.status], [200, "canceled"]);
  await pollFor(
    "the canceled export's statement to end",
    async () => (await isStaging(backend)) ? undefined : true,
    // Generous for a loaded machine; the export's own statement runs 30 s.
    10_000,
  );
  const tookMs = Date.now() - canceledAt;
  assert.ok(tookMs < 10_000, `the statement ended ${tookMs} ms after the cancel`);

  // The run has rolled back and removed what it stored: give it a moment to
  // finish its cleanup, then nothing of the export is anywhere.
  const row = await pollFor("the run to let go of the export", async () => {
    const row = await exportRow(exportId);
    return (await storedObjects(row)).length === 0 ? row : undefined;
  });
  assert.equal(row.status, "canceled");
  assert.ok(!(await exportEvents(exportId)).includes("completed"), "it never completed");
  assert.deepEqual(await filesOnDisk(row), [], "no bytes on disk");
});
