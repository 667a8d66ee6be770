// GET /exports: a user's page of exports, newest first, with the summary the
// API promises for each, and nothing of anyone else's.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import { callExports, requestExport, seedConversation, settled } from "./_exports_helpers.ts";

// public.export_summary: an export without its lease or storage path.
const summaryFields = [
  "attempt",
  "checksum_sha256",
  "compression",
  "content_type",
  "defuse_formulas",
  "download_count",
  "error_code",
  "error_message",
  "eta_seconds",
  "expires_at",
  "export_id",
  "file_name",
  "file_size",
  "finished_at",
  "format",
  "last_downloaded_at",
  "max_attempts",
  "options",
  "owner_id",
  "parts",
  "requested_at",
  "row_count",
  "rows_expected",
  "rows_written",
  "scope_id",
  "source",
  "started_at",
  "status",
];

Deno.test("a user's list holds their exports with their summaries, another user's does not", async () => {
  const user = await createTestUser();
  const stranger = await createTestUser();
  await seedConversation(user, ["hello"]);
  const ids = [
    await requestExport(user, { source: "conversations", format: "csv" }),
    await requestExport(user, { source: "conversations", format: "jsonl" }),
  ];
  // Settled first, so that the list and the single reads see the same state.
  const summaries = [await settled(user, ids[0]), await settled(user, ids[1])];

  const listed = await callExports(user, "", "GET");
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const { exports, total_count, next_before_export_id } = listed.body as {
    exports: Record<string, unknown>[];
    total_count: number;
    next_before_export_id: string | null;
  };
  assert.deepEqual([total_count, next_before_export_id], [2, null], "one page of two");
  assert.deepEqual(exports, summaries.toReversed(), "newest first, as GET /exports/:id has them");
  for (const summary of exports) {
    assert.deepEqual(Object.keys(summary).sort(), summaryFields, "the summary's fields, no more");
    assert.equal(summary.owner_id, user.id);
  }
  assert.deepEqual(exports.map((summary) => summary.format), ["jsonl", "csv"]);

  const strangers = await callExports(stranger, "", "GET");
  assert.equal(strangers.status, 200);
  const theirs = (strangers.body.exports as { export_id: string }[]).map((e) => e.export_id);
  assert.deepEqual(theirs.filter((id) => ids.includes(id)), [], "none of the user's exports");
});
