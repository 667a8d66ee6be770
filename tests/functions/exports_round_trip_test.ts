// End to end through the local gateway: request exports with supabase-js,
// let the worker build them, fetch the signed link and read the file back.
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { createTestUser } from "../support/users.ts";
import { callExports, seedConversation, settled } from "./_exports_helpers.ts";

const contents = ['quotes " and, commas', "new\nlines\r\nand\ttabs \\ back", "emoji 😀 東京"];

// Once with today's keys and an ES256 session (every other test's default), once with the legacy
// anon and service-role keys and an HS256 session, as a project that has not migrated runs.
for (const keys of ["new", "legacy"] as const) {
  Deno.test(`a csv export completes and its link serves the rows (${keys} keys)`, async () => {
    const user = await createTestUser(undefined, 3600, keys);
    await seedConversation(user, contents);
    const created = await callExports(user, "", "POST", { source: "conversations", format: "csv" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await settled(user, created.body.export_id as string);
    assert.equal(done.status, "completed", JSON.stringify(done));
    const link = await callExports(user, `/${done.export_id}/link`, "POST", {});
    const response = await fetch(link.body.url as string);
    assert.equal(response.status, 200);
    const records: Record<string, string>[] = parseCsv(await response.text(), { columns: true });
    assert.deepEqual(records.map((record) => record.content), contents);
  });
}

Deno.test("a jsonl export holds one document a conversation", async () => {
  const user = await createTestUser();
  await seedConversation(user, contents);
  const created = await callExports(user, "", "POST", { source: "conversations", format: "jsonl" });
  const done = await settled(user, created.body.export_id as string);
  assert.equal(done.status, "completed", JSON.stringify(done));
  const link = await callExports(user, `/${done.export_id}/link`, "POST", { expires_in: 30 });
  const lines = (await (await fetch(link.body.url as string)).text()).trimEnd().split("\n");
  assert.equal(lines.length, 1);
  assert.ok(JSON.stringify(JSON.parse(lines[0])).includes("emoji 😀 東京"));
});

Deno.test("another user's export is the same 404 as a missing one", async () => {
  const owner = await createTestUser();
  const stranger = await createTestUser();
  const created = await callExports(owner, "", "POST", { source: "conversations", format: "json" });
  const foreign = await callExports(stranger, `/${created.body.export_id}`, "GET");
  const missing = await callExports(stranger, `/${crypto.randomUUID()}`, "GET");
  assert.deepEqual([foreign.status, foreign.body], [missing.status, missing.body]);
  assert.equal(foreign.status, 404);
});

Deno.test("an invalid request is a 400 naming the fields", async () => {
  const user = await createTestUser();
  const answer = await callExports(user, "", "POST", { source: "conversations", format: 42 });
  assert.equal(answer.status, 400);
  const error = answer.body.error as { code: string; details: { path: string }[] };
  assert.equal(error.code, "invalid_request");
  assert.ok(error.details.some((issue) => issue.path === "format"));
});
