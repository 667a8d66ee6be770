// The storage quota and priorities through both doors, the exports API and supabase.rpc: a request
// that cannot fit is refused with its own code and a message that says how to free space, a file that
// does not fit fails its export and is removed, and only the service role sets a priority.
import assert from "node:assert/strict";
import { serviceClient, userClient } from "../support/clients.ts";
import { withDb } from "../support/db.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import {
  callExports,
  exportRow,
  filesOnDisk,
  requestExport,
  seedConversation,
  settled,
  storedObjects,
} from "./_exports_helpers.ts";

/** The message a refusal of the storage quota ends with: how to free space. */
const freeSpace =
  /delete exports you no longer need \(DELETE \/exports\/\{id\} in the exports API, or the delete_export RPC\)/i;

/**
 * Gives `user` a completed export whose file takes all of the storage quota but `leftBytes`, as if
 * the worker had stored it; returns its id.
 */
async function holdStorage(user: TestUser, leftBytes: number): Promise<string> {
  return await withDb(async (sql) => {
    const [held] = await sql<{ export_id: string }[]>`
      insert into exports.exports (owner_id, source, format, status, attempt, max_attempts, content_type,
        file_name, storage_path, file_size, checksum_sha256, row_count, expires_at, started_at, finished_at)
      select ${user.id}, 'conversations', 'csv', 'completed', 1, 3, 'text/csv', 'held.csv',
        ${user.id} || '/held/1/held.csv', s.storage_quota_bytes - ${leftBytes}, repeat('ab', 32), 1,
        now() + interval '1 day', now(), now()
      from exports.settings s
      returning export_id`;
    return held.export_id;
  });
}

Deno.test("a request past the storage quota is 403 storage_quota_exceeded through the API, EX013 through RPC", async () => {
  const user = await createTestUser();
  const held = await holdStorage(user, 0);

  const answer = await callExports(user, "", "POST", { source: "conversations", format: "csv" });
  assert.equal(answer.status, 403);
  const error = answer.body.error as { code: string; message: string };
  assert.equal(error.code, "storage_quota_exceeded");
  assert.match(
    error.message,
    /^your completed exports take 1024 MB, all of your storage quota of 1024 MB; /,
  );
  assert.match(error.message, freeSpace);

  const rpc = await userClient(user.token).rpc("request_export", {
    source: "conversations",
    format: "csv",
  });
  assert.deepEqual([rpc.error?.code, rpc.error?.message], ["EX013", error.message]);

  // Doing what the message says frees the space at once.
  assert.equal((await callExports(user, `/${held}`, "DELETE")).status, 204);
  assert.equal(
    (await callExports(user, "", "POST", { source: "conversations", format: "csv" })).status,
    201,
  );
});

Deno.test("a file that does not fit in the storage quota fails its export, and the worker removes it", async () => {
  const user = await createTestUser();
  await seedConversation(user, ["hello", "hi there"]);
  // Two rows, estimated at 50 bytes each and a tenth of that gzipped, fit in the 10 bytes left;
  // a gzip file's header alone takes more.
  await holdStorage(user, 10);
  const exportId = await requestExport(user, {
    source: "conversations",
    format: "jsonl",
    compression: "gzip",
  });

  const done = await settled(user, exportId);
  assert.equal(done.status, "failed");
  assert.equal(done.error_code, "storage_quota_exceeded");
  assert.match(
    done.error_message as string,
    /^This export's file \(\d+ bytes\) does not fit in your storage quota/,
  );
  assert.match(done.error_message as string, freeSpace);
  const row = await exportRow(exportId);
  assert.deepEqual(await storedObjects(row), []);
  assert.deepEqual(await filesOnDisk(row), []);
});

Deno.test("only the service role sets a priority: users are refused through RPC and through the API", async () => {
  const user = await createTestUser();
  const held = await holdStorage(user, 1);

  const byUser = await userClient(user.token).rpc("set_export_priority", {
    export_id: held,
    priority: 100,
  });
  assert.equal(byUser.error?.code, "42501");
  const asked = await callExports(user, "", "POST", {
    source: "conversations",
    format: "csv",
    priority: 100,
  });
  assert.deepEqual([asked.status, (asked.body.error as { code: string }).code], [
    400,
    "invalid_request",
  ]);

  // The service role may: a completed export is refused for its status, not for the caller.
  const byService = await serviceClient().rpc("set_export_priority", {
    export_id: held,
    priority: 100,
  });
  assert.equal(byService.error?.code, "EX021");
});
