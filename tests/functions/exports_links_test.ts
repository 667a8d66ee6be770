// Download links: short-lived, and only for completed exports that are still
// within their expiry; every other export gets a clear error instead of a link.
import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../support/users.ts";
import { claimNewExport } from "./_queue_fixture.ts";
import {
  callExports,
  pollFor,
  requestExport,
  seedConversation,
  settled,
} from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";

async function completedExport(user: TestUser): Promise<string> {
  await seedConversation(user, ["hello"]);
  const exportId = await requestExport(user, { source: "conversations", format: "csv" });
  assert.equal((await settled(user, exportId)).status, "completed");
  return exportId;
}

/** The error code of a refused link request, with its HTTP status. */
async function refusedLink(user: TestUser, exportId: string): Promise<[number, string]> {
  const answer = await callExports(user, `/${exportId}/link`, "POST", {});
  assert.equal(answer.body.url, undefined, "no link is handed out");
  return [answer.status, (answer.body.error as { code: string }).code];
}

Deno.test("a signed link is refused with Storage's error once its expires_in has passed", async () => {
  const user = await createTestUser();
  const exportId = await completedExport(user);
  const link = await callExports(user, `/${exportId}/link`, "POST", { expires_in: 2 });
  const url = link.body.url as string;
  const refusal = await pollFor("the link to expire", async () => {
    const response = await fetch(url);
    if (response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return { status: response.status, body: await response.json() };
  }, 10_000);
  assert.deepEqual(refusal, {
    status: 400,
    body: { statusCode: "400", code: "InvalidJWT", error: "InvalidJWT", message: "jwt expired" },
  });
});

Deno.test("an export past its expiry gets a 409 and no link", async () => {
  const user = await createTestUser();
  const exportId = await completedExport(user);
  await withDb((sql) =>
    sql`update exports.exports set expires_at = now() - interval '1 second' where export_id = ${exportId}`
  );
  assert.deepEqual(await refusedLink(user, exportId), [409, "nothing_to_download"]);
});

Deno.test("a deleted export gets a 404 and no link", async () => {
  const user = await createTestUser();
  const exportId = await completedExport(user);
  const deleted = await callExports(user, `/${exportId}`, "DELETE");
  assert.deepEqual([deleted.status, deleted.body], [204, {}]);
  assert.deepEqual(await refusedLink(user, exportId), [404, "export_not_found"]);
});

Deno.test("a failed export gets a 409 naming its status and no link", async () => {
  const user = await createTestUser();
  const workerId = `links-test-${crypto.randomUUID()}`;
  const exportId = await withDb(async (sql) => {
    const claim = await claimNewExport(
      sql,
      user,
      { source: "conversations", format: "csv" },
      workerId,
    );
    await sql`select exports.fail_export(${claim.export_id}, ${workerId}, 'source_error')`;
    return claim.export_id;
  });
  const answer = await callExports(user, `/${exportId}/link`, "POST", {});
  assert.equal(answer.status, 409);
  const error = answer.body.error as { code: string; message: string };
  assert.equal(error.code, "nothing_to_download");
  assert.match(error.message, /is failed; only completed exports can be downloaded/);
});
