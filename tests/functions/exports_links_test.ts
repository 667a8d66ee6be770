// Download links: short-lived, and only for completed exports that are still
// within their expiry; every other export gets a clear error instead of a link.
import assert from "node:assert/strict";
import { createTestUser, type TestUser } from "../support/users.ts";
import { claimNewExport } from "./_queue_fixture.ts";
import type { ClaimedExport } from "../../functions/_shared/worker/queue.ts";
import {
  callExports,
  pollFor,
  requestExport,
  seedConversation,
  settled,
} from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";
import { serviceClient } from "../support/clients.ts";

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

/** The hex sha256 of some bytes. */
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Completes a claimed export the way the slice runner does, in two parts of
 * the given bytes: stages its rows, stores each part at exports.part_path and
 * records them with complete_sliced_export. Returns the parts' records.
 */
async function completeInParts(claim: ClaimedExport, workerId: string, contents: string[]) {
  return await withDb(async (sql) => {
    const [{ checkpoint }] = await sql.begin((tx) =>
      tx`select exports.stage_export(${claim.export_id}, ${workerId}, ${claim.attempt}) as checkpoint`
    );
    const staged = Number(checkpoint.staged_rows);
    const parts = [];
    for (const [index, content] of contents.entries()) {
      const part = index + 1;
      const bytes = new TextEncoder().encode(content);
      const [{ path }] = await sql`select exports.part_path(${claim.export_id}, ${part}) as path`;
      const stored = await serviceClient().storage.from(claim.storage_bucket)
        .upload(path, bytes, { contentType: claim.content_type, upsert: true });
      if (stored.error) throw stored.error;
      const first = part === 1 ? 1 : 2;
      const last = part === 1 ? 1 : staged;
      parts.push({
        part,
        size: bytes.length,
        first_position: first,
        last_position: last,
        row_count: last - first + 1,
        sha256: await sha256(bytes),
      });
    }
    const [{ completed }] = await sql`
      select exports.complete_sliced_export(${claim.export_id}, ${workerId}, ${claim.attempt},
        ${sql.json(parts)}) as completed`;
    assert.equal(completed, true, "the export is completed");
    return parts;
  });
}

Deno.test("the link route signs every part of an export written in parts, each under its part's name", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["one", "two", "three"]);
  const workerId = `links-test-${crypto.randomUUID()}`;
  const claim = await withDb((sql) =>
    claimNewExport(sql, user, { source: "conversations", format: "csv" }, workerId)
  );
  const contents = ["id,text\n1,one\n", "id,text\n2,two\n3,three\n"];
  const parts = await completeInParts(claim, workerId, contents);

  const link = await callExports(user, `/${claim.export_id}/link`, "POST", {});
  assert.equal(link.status, 200);
  const listed = link.body.parts as Record<string, unknown>[];
  assert.deepEqual(
    listed.map(({ url: _, file_name: __, ...part }) => part),
    parts.map(({ first_position, last_position, row_count, ...part }) => ({
      ...part,
      first_row: first_position,
      last_row: last_position,
      rows: row_count,
    })),
    "each part's size, rows and sha256 are listed in order",
  );
  assert.equal(link.body.url, listed[0].url, "url is part 1's");
  const base = claim.file_name.replace(/\.csv$/, "");
  for (const [index, part] of listed.entries()) {
    assert.equal(part.file_name, `${base}-part-00${index + 1}.csv`);
    const response = await fetch(part.url as string);
    assert.equal(
      await response.text(),
      contents[index],
      `part ${index + 1}'s link serves its bytes`,
    );
    assert.match(response.headers.get("content-disposition") ?? "", /^attachment/);
  }
});

Deno.test("the link route lists an export of one part under the export's own file name", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["only"]);
  const workerId = `links-test-${crypto.randomUUID()}`;
  const claim = await withDb((sql) =>
    claimNewExport(sql, user, { source: "conversations", format: "csv" }, workerId)
  );
  await completeInParts(claim, workerId, ["id,text\n1,only\n"]);
  const link = await callExports(user, `/${claim.export_id}/link`, "POST", {});
  const [part] = link.body.parts as Record<string, unknown>[];
  assert.equal(part.file_name, claim.file_name);
  const response = await fetch(link.body.url as string);
  assert.equal(await response.text(), "id,text\n1,only\n");
  assert.match(
    response.headers.get("content-disposition") ?? "",
    new RegExp(claim.file_name.replaceAll(".", "\\.")),
    "it downloads under the export's file name, without -part-001",
  );
});

Deno.test("an export written as one file is listed as its one part", async () => {
  const user = await createTestUser();
  const exportId = await completedExport(user);
  const link = await callExports(user, `/${exportId}/link`, "POST", {});
  const summary = (await callExports(user, `/${exportId}`, "GET")).body;
  const [part, ...more] = link.body.parts as Record<string, unknown>[];
  assert.deepEqual(more, []);
  assert.deepEqual(
    { ...part, url: undefined },
    {
      part: 1,
      url: undefined,
      file_name: summary.file_name,
      size: summary.file_size,
      first_row: 1,
      last_row: summary.row_count,
      rows: summary.row_count,
      sha256: summary.checksum_sha256,
    },
  );
  assert.equal(part.url, link.body.url);
  assert.equal(summary.parts, 1);
});
