// The claim loop against real Postgres: it keeps exactly as many exports
// running as it has slots, asks for no more than the free slots, and a run
// that throws does not stop the others. Everything happens in one rolled-back
// transaction, so the stack's own worker never sees these exports.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createTestUser } from "../../../tests/support/users.ts";
import { requestFirstInQueue } from "../../../tests/functions/_queue_fixture.ts";
import { claimAndRun } from "./claim_loop.ts";
import { type ClaimedExport, completeExport } from "./queue.ts";
import { WakeSignal } from "./wake_signal.ts";

const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Runs `work` on `count` freshly queued exports of one user, then rolls everything back. */
async function withQueuedExports(
  count: number,
  work: (tx: postgres.TransactionSql, exportIds: string[]) => Promise<void>,
): Promise<void> {
  const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
  const user = await createTestUser();
  const rollback = new Error("rollback");
  try {
    await sql.begin(async (tx) => {
      await tx`update exports.settings set max_active_exports_per_user = ${count}`;
      const exportIds: string[] = [];
      for (let i = 0; i < count; i++) {
        exportIds.push(
          await requestFirstInQueue(tx, user, { source: "conversations", format: "csv" }),
        );
      }
      // Other tests' queued exports are not due inside this transaction, so
      // the loop ends when these are done.
      await tx`update exports.exports set next_run_at = 'infinity'
               where status = 'queued' and export_id <> all(${exportIds}::uuid[])`;
      await work(tx, exportIds);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  } finally {
    await sql.end();
  }
}

const settings = (concurrency: number, budgetMs = 60_000, pollMs = 60_000) => ({
  workerId: `claim-loop-test-${crypto.randomUUID()}`,
  leaseSeconds: 60,
  budgetMs,
  concurrency,
  pollMs,
});

/**
 * Runs a loop of two slots over two queued exports, the second not yet due.
 * The first makes the second due as it starts (and wakes the loop, when
 * `wake`), then runs until the second has started or a few seconds have
 * passed. Returns whether the second started while the first still ran.
 */
async function shortBesideLong(options: { pollMs: number; wake: boolean }): Promise<boolean> {
  let startedBeside = false;
  await withQueuedExports(2, async (tx, [long, short]) => {
    await tx`update exports.exports set next_run_at = 'infinity' where export_id = ${short}`;
    const loop = settings(2, 60_000, options.pollMs);
    const woken = new WakeSignal();
    const shortStarted = Promise.withResolvers<void>();
    let longRunning = false;
    const outcomes = await claimAndRun(tx, loop, async (claim) => {
      if (claim.export_id === long) {
        longRunning = true;
        await tx`update exports.exports set next_run_at = now() where export_id = ${short}`;
        if (options.wake) woken.notify();
        // Ends on its own after a while, so a loop that never claims the
        // short one fails the test rather than hanging it.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          shortStarted.promise,
          new Promise((resolve) => timer = setTimeout(resolve, 3_000)),
        ]);
        clearTimeout(timer);
        longRunning = false;
      } else {
        startedBeside = longRunning;
        shortStarted.resolve();
      }
      await completeExport(tx, claim.export_id, loop.workerId, {
        fileSize: 0,
        sha256: emptySha256,
        rowCount: 0,
      });
      return "completed";
    }, woken);
    assert.deepEqual([outcomes[long], outcomes[short]], ["completed", "completed"]);
  });
  return startedBeside;
}

Deno.test("claimAndRun keeps every slot busy and never runs more than its concurrency", async () => {
  await withQueuedExports(7, async (tx, exportIds) => {
    const loop = settings(3);
    let inFlight = 0;
    let mostInFlight = 0;
    const outcomes = await claimAndRun(tx, loop, async (claim: ClaimedExport) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // Long enough for the loop to fill the other slots meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      const done = await completeExport(tx, claim.export_id, loop.workerId, {
        fileSize: 0,
        sha256: emptySha256,
        rowCount: 0,
      });
      return done ? "completed" : "stopped";
    });
    assert.equal(mostInFlight, 3);
    for (const exportId of exportIds) assert.equal(outcomes[exportId], "completed", exportId);
    const [{ completed }] = await tx`
      select count(*)::int as completed from exports.exports
      where export_id = any(${exportIds}::uuid[]) and status = 'completed'`;
    assert.equal(completed, 7);
  });
});

Deno.test("a slot given back is claimed again while its run still records its outcome", async () => {
  await withQueuedExports(3, async (tx, exportIds) => {
    const loop = settings(1);
    let running = 0;
    let mostRunning = 0;
    const outcomes = await claimAndRun(tx, loop, async (claim, release) => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      // The file is stored: the slot goes back, and the completion is
      // recorded slowly enough for the loop to claim the next export meanwhile.
      release();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const done = await completeExport(tx, claim.export_id, loop.workerId, {
        fileSize: 0,
        sha256: emptySha256,
        rowCount: 0,
      });
      running--;
      return done ? "completed" : "stopped";
    });
    assert.ok(mostRunning > 1, `one slot, yet ${mostRunning} runs overlapped`);
    for (const exportId of exportIds) assert.equal(outcomes[exportId], "completed", exportId);
  });
});

Deno.test("a run that throws leaves its export to the lease and the loop goes on", async () => {
  await withQueuedExports(3, async (tx, exportIds) => {
    const loop = settings(1);
    const [doomed] = exportIds;
    const outcomes = await claimAndRun(tx, loop, async (claim) => {
      if (claim.export_id === doomed) throw new Error("the database went away");
      await completeExport(tx, claim.export_id, loop.workerId, {
        fileSize: 0,
        sha256: emptySha256,
        rowCount: 0,
      });
      return "completed";
    });
    assert.equal(outcomes[doomed], undefined);
    assert.equal(outcomes[exportIds[1]], "completed");
    assert.equal(outcomes[exportIds[2]], "completed");
    const [{ status }] = await tx`select status from exports.exports where export_id = ${doomed}`;
    assert.equal(
      status,
      "processing",
      "still leased; the cleanup queues it again when the lease runs out",
    );
  });
});

Deno.test("claimAndRun claims nothing once its budget is spent", async () => {
  await withQueuedExports(1, async (tx, [exportId]) => {
    const outcomes = await claimAndRun(tx, settings(2, 0), () => {
      throw new Error("nothing may run");
    });
    assert.deepEqual(outcomes, {});
    const [{ status }] = await tx`select status from exports.exports where export_id = ${exportId}`;
    assert.equal(status, "queued");
  });
});

Deno.test("a claim that fails still lets the exports already running finish first", async () => {
  await withQueuedExports(1, async (tx) => {
    let finished = false;
    const loop = claimAndRun(tx, settings(2), async (_claim, release) => {
      // The next claim, made once this slot is given back, fails.
      await tx`alter function exports.claim_exports(text, int, int) rename to claim_exports_gone`;
      release();
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
      return "completed";
    });
    await assert.rejects(loop, /claim_exports/);
    assert.equal(finished, true, "the loop failed before its running export had finished");
  });
});

Deno.test("a wake-up while a long export runs makes the loop claim the new one at once", async () => {
  const startedBeside = await shortBesideLong({ pollMs: 60_000, wake: true });
  assert.equal(startedBeside, true, "the short export waited for the long one to end");
});

Deno.test("without a wake-up the loop looks at the queue again while it has free slots", async () => {
  const startedBeside = await shortBesideLong({ pollMs: 100, wake: false });
  assert.equal(startedBeside, true, "the short export waited for the long one to end");
});

Deno.test("an export a run queued again for a retry is waited for and run again", async () => {
  await withQueuedExports(1, async (tx, [exportId]) => {
    const loop = settings(2, 60_000, 50);
    let attempts = 0;
    const outcomes = await claimAndRun(tx, loop, async (claim) => {
      attempts++;
      if (attempts === 1) {
        // What fail_export does to a retryable failure: queued again, due
        // after a backoff (here: once a timer makes it due).
        await tx`update exports.exports set status = 'queued', lease_owner = null,
                   lease_expires_at = null, next_run_at = 'infinity'
                 where export_id = ${claim.export_id}`;
        setTimeout(() => {
          tx`update exports.exports set next_run_at = now() where export_id = ${claim.export_id}`
            .catch(() => {});
        }, 200);
        return "queued";
      }
      await completeExport(tx, claim.export_id, loop.workerId, {
        fileSize: 0,
        sha256: emptySha256,
        rowCount: 0,
      });
      return "completed";
    });
    assert.equal(attempts, 2, "the retry ran in the same loop");
    assert.equal(outcomes[exportId], "completed");
  });
});

Deno.test("a loop drained mid-round finishes what it holds and claims nothing more", async () => {
  await withQueuedExports(3, async (tx, exportIds) => {
    const drained = new AbortController();
    const loop = { ...settings(1), drained: drained.signal };
    const started: string[] = [];
    const outcomes = await claimAndRun(
      tx,
      loop,
      async (claim) => {
        started.push(claim.export_id);
        // The platform retires the instance while its first export runs.
        drained.abort();
        await completeExport(tx, claim.export_id, loop.workerId, {
          fileSize: 0,
          sha256: emptySha256,
          rowCount: 0,
        });
        return "completed";
      },
    );
    assert.equal(started.length, 1, "only the export claimed before the drain ran");
    assert.deepEqual(Object.keys(outcomes), started);
    const [{ queued }] = await tx`
      select count(*)::int as queued from exports.exports
      where export_id = any(${exportIds}::uuid[]) and status = 'queued'`;
    assert.equal(queued, 2, "the others stay queued for a fresh instance");
  });
});
