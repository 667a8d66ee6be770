// A worker killed (SIGKILL) in the middle of a slice, and again while a slice
// uploads: the export resumes from its last checkpoint on a new worker, runs
// at most one slice again, and its parts are byte for byte those of the same
// export run without a kill.
import assert from "node:assert/strict";
import postgres from "postgres";
import { stackEnv } from "../support/env.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import { exportRow, pollFor, requestExport, settled } from "./_exports_helpers.ts";
import {
  checkpointOf,
  type CheckpointRow,
  claimsOf,
  downloadParts,
  killWorkers,
  numberedSource,
  registerNumberedSource,
  requeueAfterLease,
  sha256,
  signalWorkers,
  uploadOffset,
  withSliceBytes,
} from "./_sliced_exports.ts";

/**
 * Kills the workers at a moment Storage holds more of `exportId`'s part than
 * its checkpoint says: a slice has sent a chunk and not yet recorded itself.
 * Looks with the workers frozen. Undefined when the export ends first.
 */
async function killWhileUploading(exportId: string) {
  for (;;) {
    const checkpoint = await checkpointOf(exportId);
    if (checkpoint?.upload_state) {
      await signalWorkers("SIGSTOP");
      try {
        const now = await checkpointOf(exportId);
        const offset = now?.upload_state ? await uploadOffset(now.upload_state.url) : -1;
        if (now?.upload_state && offset > now.upload_state.offset) {
          await killWorkers();
          return { checkpoint: now, offset };
        }
      } finally {
        // Continues the workers not killed, also when a look failed.
        await signalWorkers("SIGCONT");
      }
    }
    const { status } = await exportRow(exportId);
    if (status !== "queued" && status !== "processing") return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The parts of a completed export, as their sha256 in order, and the claims it took. */
async function completedParts(user: TestUser, exportId: string) {
  const done = await settled(user, exportId, 120_000);
  assert.equal(done.status, "completed", JSON.stringify(done));
  const parts = await downloadParts(user, exportId);
  for (const part of parts) assert.equal(sha256(part.bytes), part.sha256, "a part is as recorded");
  return { hashes: parts.map((part) => sha256(part.bytes)), claims: await claimsOf(exportId) };
}

Deno.test("a worker killed in the middle of a slice resumes from the checkpoint with identical parts", async () => {
  await registerNumberedSource();
  const user = await createTestUser();
  // About 30 slices in 7 parts.
  const request = {
    source: numberedSource,
    format: "csv",
    options: { rows: 6_000, width: 60 },
    max_part_bytes: 64 * 1024,
  };
  await withSliceBytes(16 * 1024, async () => {
    const reference = await completedParts(user, await requestExport(user, request));
    assert.ok(reference.hashes.length > 3, `several parts: ${reference.hashes.length}`);

    const exportId = await requestExport(user, request);
    const staged = await pollFor("three slices to be recorded", async () => {
      const checkpoint = await checkpointOf(exportId);
      return checkpoint && checkpoint.slices_done >= 3 ? checkpoint : undefined;
    });
    // Freeze the worker, then hold the staging table: its next slice (or the
    // one it is in, which then holds the table itself) cannot pass its read.
    await signalWorkers("SIGSTOP");
    const sql = postgres(stackEnv().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const held = await sql.begin(async (tx) => {
        try {
          // In a savepoint, so that a refusal leaves the transaction usable.
          await tx.savepoint((savepoint) =>
            savepoint.unsafe(`lock table ${staged.staging_table} in access exclusive mode nowait`)
          );
        } catch {
          // The worker is inside a slice's read: that slice is the one killed.
          await signalWorkers("SIGCONT");
          await killWorkers();
          return false;
        }
        await signalWorkers("SIGCONT");
        await pollFor("the worker's next slice to wait for the staging table", async () => {
          const [waiting] = await tx`
            select 1 from pg_locks where relation = ${staged.staging_table}::regclass
              and not granted`;
          return waiting ? true : undefined;
        });
        await killWorkers();
        return true;
      });
      console.log(held ? "killed while its slice waited to read" : "killed while reading");
    } finally {
      await signalWorkers("SIGCONT");
      await sql.end();
    }
    const before = (await checkpointOf(exportId))!;
    assert.ok(before.slices_done >= 3, "the kill left the checkpoint of the slices recorded");

    await requeueAfterLease(exportId);
    const resumed = await completedParts(user, exportId);
    assert.deepEqual(resumed.hashes, reference.hashes, "every part is byte for byte the same");
    const redone = resumed.claims - reference.claims;
    assert.ok(redone >= 0 && redone <= 1, `at most one slice runs again: ${redone}`);
  });
});

Deno.test("a worker killed while a slice uploads resumes the upload with identical parts", async () => {
  await registerNumberedSource();
  const user = await createTestUser();
  // Slices of about 8 MiB, so a slice sends a 6 MiB chunk before its end.
  const request = {
    source: numberedSource,
    format: "csv",
    options: { rows: 28_000, width: 1_000 },
    max_part_bytes: 20 * 1024 * 1024,
  };
  await withSliceBytes(8 * 1024 * 1024, async () => {
    const reference = await completedParts(user, await requestExport(user, request));
    assert.ok(reference.hashes.length >= 2, `several parts: ${reference.hashes.length}`);

    // The moment is short and comes once a slice: an export that ends before
    // it is caught is requested again.
    let caught: { exportId: string; offset: number; checkpoint: CheckpointRow } | null = null;
    for (let tries = 1; !caught; tries++) {
      assert.ok(tries <= 5, "a kill while a slice uploads, in five exports");
      const exportId = await requestExport(user, request);
      const killedAt = await killWhileUploading(exportId);
      if (killedAt) caught = { exportId, ...killedAt };
    }
    const { exportId } = caught;
    console.log(
      `killed with ${caught.offset} bytes in Storage, ` +
        `${caught.checkpoint.upload_state!.offset} checkpointed`,
    );

    await requeueAfterLease(exportId);
    const resumed = await completedParts(user, exportId);
    assert.deepEqual(resumed.hashes, reference.hashes, "every part is byte for byte the same");
    const redone = resumed.claims - reference.claims;
    assert.ok(redone >= 0 && redone <= 1, `at most one slice runs again: ${redone}`);
  });
});
