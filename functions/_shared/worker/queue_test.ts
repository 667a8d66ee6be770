// The worker's queue calls against real Postgres: each does what its SQL
// function of the contract promises, with the arguments passed by name.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { withDb } from "../../../tests/support/db.ts";
import { createTestUser } from "../../../tests/support/users.ts";
import { claimNewExport, requestFirstInQueue } from "../../../tests/functions/_queue_fixture.ts";
import {
  type ClaimedExport,
  claimExports,
  completeExport,
  failExport,
  heartbeat,
  objectsToPurge,
  recordPurged,
} from "./queue.ts";

const request = { source: "conversations", format: "csv" };

const workerId = () => `queue-test-${crypto.randomUUID()}`;
const completion = { fileSize: 3, sha256: "a".repeat(64), rowCount: 1 };

Deno.test("claimExports hands out the first queued export with its user's claims", async () => {
  const user = await createTestUser();
  await withDb(async (sql) => {
    // Rolled back, so no other worker ever sees the export.
    const rollback = new Error("rollback");
    await sql.begin(async (tx) => {
      const exportId = await requestFirstInQueue(tx, user, request);
      const [claim] = await claimExports(tx, workerId(), 1, 30);
      assert.equal(claim.export_id, exportId);
      assert.equal(claim.attempt, 1);
      assert.equal(claim.claims.sub, user.id);
      assert.equal(claim.statement_kind, "copy_csv");
      throw rollback;
    }).catch((error) => {
      if (error !== rollback) throw error;
    });
  });
});

Deno.test("heartbeat keeps the lease of its holder and tells anyone else to stop", async () => {
  const user = await createTestUser();
  const holder = workerId();
  await withDb(async (sql) => {
    const claim = await claimNewExport(sql, user, request, holder);
    assert.equal(await heartbeat(sql, claim.export_id, holder, 10, 60), true);
    assert.equal(await heartbeat(sql, claim.export_id, workerId(), 10, 60), false);
    await failExport(sql, claim.export_id, holder, { code: "source_error" });
  });
});

Deno.test("completeExport records the file; a second completion changes nothing", async () => {
  const user = await createTestUser();
  const holder = workerId();
  await withDb(async (sql) => {
    const claim = await claimNewExport(sql, user, request, holder);
    assert.equal(await completeExport(sql, claim.export_id, holder, completion), true);
    assert.equal(await completeExport(sql, claim.export_id, holder, completion), false);
    const [row] = await sql`select status, file_size from exports.exports
                            where export_id = ${claim.export_id}`;
    assert.deepEqual({ ...row }, { status: "completed", file_size: "3" });
  });
});

Deno.test("completions sent in the same turn each get their own answer", async () => {
  const holder = workerId();
  await withDb(async (sql) => {
    const first = await claimNewExport(sql, await createTestUser(), request, holder);
    const second = await claimNewExport(sql, await createTestUser(), request, holder);
    // Sent together (complete_exports); an export this worker does not hold says false.
    const answers = await Promise.all([
      completeExport(sql, first.export_id, holder, completion),
      completeExport(sql, crypto.randomUUID(), holder, completion),
      completeExport(sql, second.export_id, holder, { ...completion, fileSize: 5 }),
    ]);
    assert.deepEqual(answers, [true, false, true]);
    const rows = await sql`select status, file_size from exports.exports
                           where export_id in (${first.export_id}, ${second.export_id})
                           order by file_size`;
    assert.deepEqual(rows.map((row) => `${row.status} ${row.file_size}`), [
      "completed 3",
      "completed 5",
    ]);
  });
});

Deno.test("failExport requeues a failure its code calls retryable and fails the rest for good", async () => {
  const user = await createTestUser();
  const holder = workerId();
  await withDb(async (sql) => {
    const retried = await claimNewExport(sql, user, request, holder);
    assert.equal(
      await failExport(sql, retried.export_id, holder, { code: "storage_unavailable" }),
      "queued",
    );
    // Out of the queue again while its backoff still keeps workers off it.
    await sql`update exports.exports set status = 'canceled', finished_at = now()
              where export_id = ${retried.export_id}`;

    const failed = await claimNewExport(sql, user, request, holder);
    assert.equal(
      await failExport(sql, failed.export_id, holder, { code: "source_error" }),
      "failed",
    );
  });
});

Deno.test("objectsToPurge lists an expired file and recordPurged takes it off the list", async () => {
  const user = await createTestUser();
  const holder = workerId();
  // In a transaction rolled back at the end: the stack's worker purges
  // expired files too, and must not see this one.
  const rollback = new Error("rollback");
  await withDb(async (db) =>
    await db.begin(async (sql) => {
      await check(sql);
      throw rollback;
    }).catch((error) => {
      if (error !== rollback) throw error;
    })
  );

  async function check(sql: postgres.TransactionSql) {
    const exportId = await requestFirstInQueue(sql, user, request);
    const [claim] = await sql<ClaimedExport[]>`
      select * from exports.claim_exports(worker_id => ${holder}, max_exports => 1)`;
    assert.equal(claim?.export_id, exportId);
    await completeExport(sql, claim.export_id, holder, completion);
    await sql`update exports.exports set status = 'expired' where export_id = ${claim.export_id}`;
    const listed = async () =>
      (await objectsToPurge(sql, 100_000)).some((object) =>
        object.export_id === claim.export_id &&
        JSON.stringify(object.storage_paths) === JSON.stringify([claim.storage_path])
      );
    assert.equal(await listed(), true);
    assert.equal(await recordPurged(sql, [claim.export_id]), 1);
    assert.equal(await listed(), false);
  }
});
