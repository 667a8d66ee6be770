// A long export does not hold back the exports queued behind it: with free
// slots, a short export requested while a long one runs starts and completes
// long before the long one ends.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import { callExports, pollFor, requestExport, settled } from "./_exports_helpers.ts";
import { registerSlowSource, slowExport } from "./_slow_source.ts";

const longSeconds = 20;

Deno.test("a short export requested while a long one runs completes long before it ends", async () => {
  await registerSlowSource();
  const user = await createTestUser();
  const long = await requestExport(user, slowExport(longSeconds));
  await pollFor("the worker to start the long export", async () => {
    const { body } = await callExports(user, `/${long}`, "GET");
    return body.status === "processing" ? true : undefined;
  });

  const requestedAt = Date.now();
  const short = await requestExport(user, slowExport(0.1));
  const done = await settled(user, short);
  const tookMs = Date.now() - requestedAt;
  assert.equal(done.status, "completed");
  const { body: longNow } = await callExports(user, `/${long}`, "GET");
  assert.equal(longNow.status, "processing", "the long export is still running");
  // Generous for a loaded machine, and far below the long export's own time.
  assert.ok(tookMs < 8_000, `the short export took ${tookMs} ms beside the long one`);

  const canceled = await callExports(user, `/${long}/cancel`, "POST", {});
  assert.equal(canceled.body.status, "canceled");
});
