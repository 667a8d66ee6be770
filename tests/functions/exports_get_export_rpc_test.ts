// get_export through PostgREST, as a client app calls it with supabase-js: one
// export as an object, or null for an id that is unknown or not the caller's.
import assert from "node:assert/strict";
import { userClient } from "../support/clients.ts";
import { createTestUser } from "../support/users.ts";
import { callExports, requestExport } from "./_exports_helpers.ts";

Deno.test("get_export answers the caller's export as one object", async () => {
  const user = await createTestUser();
  const exportId = await requestExport(user, { source: "conversations", format: "csv" });
  const { data, error } = await userClient(user.token).rpc("get_export", { export_id: exportId });
  assert.equal(error, null);
  assert.equal(Array.isArray(data), false);
  assert.equal(data.export_id, exportId);
  assert.equal(data.source, "conversations");
});

Deno.test("get_export answers null for an unknown id and for another user's export", async () => {
  const owner = await createTestUser();
  const stranger = await createTestUser();
  const exportId = await requestExport(owner, { source: "conversations", format: "csv" });
  for (const id of [crypto.randomUUID(), exportId]) {
    const { data, error } = await userClient(stranger.token).rpc("get_export", { export_id: id });
    assert.equal(error, null);
    assert.equal(data, null);
    const answered = await callExports(stranger, `/${id}`, "GET");
    assert.equal(answered.status, 404);
    assert.equal((answered.body as { error: { code: string } }).error.code, "export_not_found");
  }
});
