// runExport against real Postgres and the stack's Storage, one claim a slice:
// an export is staged at its first claim and written slice by slice into its
// parts until it completes; a canceled one stops; an unreachable Storage
// queues it again; a failing source or too many rows fail it at staging; a
// run whose lease was lost records nothing; staged rows lost to a crash are
// staged again. The stack's own worker is paused meanwhile, since each slice
// hands the export back to the queue, where it would claim it.
import assert from "node:assert/strict";
import postgres from "postgres";
import { stackEnv } from "../../../tests/support/env.ts";
import { withDb } from "../../../tests/support/db.ts";
import { createTestUser } from "../../../tests/support/users.ts";
import { within } from "../../../tests/support/within.ts";
import { claimNewExport, type ExportRequest } from "../../../tests/functions/_queue_fixture.ts";
import { exportRow, seedConversation } from "../../../tests/functions/_exports_helpers.ts";
import {
  numberedSource,
  registerNumberedSource,
  signalWorkers,
  withSliceBytes,
} from "../../../tests/functions/_sliced_exports.ts";
import { wakeWorker } from "../../../tests/functions/_exports_helpers.ts";
import { workerDb } from "../files/db_client.ts";
import { type ClaimedExport, claimExports } from "./queue.ts";
import { runExport, type RunOutcome, type RunSettings } from "./run_export.ts";

const settings = (storageUrl = `${stackEnv().supabaseUrl}/storage/v1`): RunSettings => ({
  workerId: `run-export-test-${crypto.randomUUID()}`,
  leaseSeconds: 30,
  heartbeatMs: 1_000,
  statementTimeout: "30s",
  storage: { storageUrl, key: stackEnv().serviceRoleKey },
});

/** Runs `work` with the stack's worker stopped, so that it claims none of the test's exports. */
async function withStackWorkerPaused<T>(work: () => Promise<T>): Promise<T> {
  await wakeWorker();
  await signalWorkers("SIGSTOP");
  try {
    return await work();
  } finally {
    await signalWorkers("SIGCONT");
  }
}

async function claimed(workerId: string, request?: ExportRequest): Promise<ClaimedExport> {
  const user = await createTestUser();
  await seedConversation(user, ["hello", "world"]);
  const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
  try {
    return await claimNewExport(
      sql,
      user,
      request ?? { source: "conversations", format: "csv" },
      workerId,
    );
  } finally {
    await sql.end();
  }
}

/** Claims `exportId` again for `run` (it is first in the queue: its priority is the highest). */
async function claimAgain(exportId: string, run: RunSettings): Promise<ClaimedExport> {
  return await withDb(async (sql) => {
    const [claim] = await claimExports(sql, run.workerId, 1, run.leaseSeconds);
    assert.equal(claim?.export_id, exportId, "the export is claimed again");
    return claim;
  });
}

async function withWorkerDb<T>(work: (db: ReturnType<typeof workerDb>) => Promise<T>) {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 2 });
  try {
    return await work(db);
  } finally {
    // Closes connections still busy after 5 s, so a run that hung fails its
    // test rather than stalling the suite.
    await db.sql.end({ timeout: 5 });
  }
}

/** Runs the claim, and every next slice's claim, until an outcome other than `sliced`. */
async function runToEnd(
  claim: ClaimedExport,
  run: RunSettings,
): Promise<{ outcome: RunOutcome; slices: number }> {
  return await withWorkerDb(async (db) => {
    let slices = 1;
    let outcome = await runExport(db, claim, run);
    while (outcome === "sliced") {
      slices++;
      outcome = await runExport(db, await claimAgain(claim.export_id, run), run);
    }
    return { outcome, slices };
  });
}

const numbered: ExportRequest = {
  source: numberedSource,
  format: "csv",
  options: { rows: 2_000, width: 30 },
};

Deno.test("runExport stages an export, then writes it one slice a claim until it completes", async () => {
  await registerNumberedSource();
  const run = settings();
  await withStackWorkerPaused(() =>
    withSliceBytes(16 * 1024, async () => {
      const claim = await claimed(run.workerId, numbered);
      assert.equal(claim.staged, false, "a new export is not staged");
      const { outcome, slices } = await runToEnd(claim, run);
      assert.equal(outcome, "completed");
      assert.ok(slices > 3, `several slices: ${slices}`);
      const row = await exportRow(claim.export_id);
      assert.deepEqual([row.status, row.row_count], ["completed", 2_000]);
      const [checkpoint] = await withDb((sql) =>
        sql`select slices_done, staging_table from exports.export_checkpoints
            where export_id = ${claim.export_id}`
      );
      assert.deepEqual(
        [checkpoint.slices_done, checkpoint.staging_table],
        [slices, null],
        "each claim wrote one slice, and the staged rows are dropped",
      );
    })
  );
});

Deno.test("runExport stops an export canceled before its slice", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  await withWorkerDb(async (db) => {
    await db.sql`update exports.exports set status = 'canceled', finished_at = now(),
                   lease_owner = null, lease_expires_at = null
                 where export_id = ${claim.export_id}`;
    assert.equal(await runExport(db, claim, run), "stopped");
  });
});

Deno.test("runExport queues the export again when Storage cannot be reached", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const run = settings(`http://127.0.0.1:${listener.addr.port}/storage/v1`);
  listener.close();
  const claim = await claimed(run.workerId);
  const outcome = await within(30_000, withWorkerDb((db) => runExport(db, claim, run)));
  assert.equal(outcome, "queued");
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["queued", "storage_unavailable"]);
  // Out of the queue before its backoff ends and a worker takes it.
  await withDb((sql) =>
    sql`update exports.exports set status = 'canceled', finished_at = now()
        where export_id = ${claim.export_id}`
  );
});

Deno.test("runExport fails at staging an export whose source outgrew its row limit", async () => {
  await registerNumberedSource();
  const run = settings();
  const claim = await claimed(run.workerId, numbered);
  // As if the request had counted within a limit of 10 rows.
  await withDb((sql) =>
    sql`update exports.sources set row_limits = '{"csv": 10}' where name = ${numberedSource}`
  );
  try {
    assert.equal(await withWorkerDb((db) => runExport(db, claim, run)), "stopped");
  } finally {
    await withDb((sql) =>
      sql`update exports.sources set row_limits = '{}' where name = ${numberedSource}`
    );
  }
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["failed", "too_many_rows"]);
});

Deno.test("runExport records a source error raised while staging as the source's", async () => {
  const run = settings();
  await withDb((sql) =>
    sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      create or replace function exports_tests.dividing_rows(options jsonb)
      returns table (x int)
      language sql volatile security invoker set search_path = ''
      -- Divides by zero on its third row, only when staged: the request
      -- counts the rows too, and must not fail.
      as $$ select case when pg_catalog.current_query() ~* 'stage_export' then 1 / (3 - g) else g end
            from generate_series(1, 3) g $$;
      grant execute on function exports_tests.dividing_rows(jsonb) to authenticated;
      select exports.register_source(name => 'dividing_rows',
        rows_function => 'exports_tests.dividing_rows(jsonb)', formats => array['csv']);
    `)
  );
  const claim = await claimed(run.workerId, { source: "dividing_rows", format: "csv" });
  assert.equal(await withWorkerDb((db) => runExport(db, claim, run)), "failed");
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["failed", "source_data_error"]);
});

Deno.test("a slice whose lease was lost records nothing, and the next claim resumes from the checkpoint", async () => {
  await registerNumberedSource();
  const run = settings();
  await withStackWorkerPaused(() =>
    withSliceBytes(16 * 1024, async () => {
      const claim = await claimed(run.workerId, numbered);
      await withWorkerDb(async (db) => {
        assert.equal(await runExport(db, claim, run), "sliced", "the first slice is recorded");
        const second = await claimAgain(claim.export_id, run);
        // Its lease runs out and the cleanup queues it again: the slice is refused.
        await db.sql`update exports.exports set lease_expires_at = now() - interval '1 second'
                     where export_id = ${claim.export_id}`;
        await db.sql`select exports.cleanup_expired_exports()`;
        assert.equal(await runExport(db, second, run), "stopped");
      });
      const [{ slices_done }] = await withDb((sql) =>
        sql`select slices_done from exports.export_checkpoints where export_id = ${claim.export_id}`
      );
      assert.equal(slices_done, 1, "the refused slice left the checkpoint as it was");
      await withDb((sql) =>
        sql`update exports.exports set next_run_at = now() where export_id = ${claim.export_id}`
      );
      const { outcome } = await runToEnd(await claimAgain(claim.export_id, run), run);
      assert.equal(outcome, "completed");
    })
  );
});

Deno.test("staged rows lost to a crash of Postgres are staged again, and the export completes", async () => {
  await registerNumberedSource();
  const run = settings();
  await withStackWorkerPaused(() =>
    withSliceBytes(16 * 1024, async () => {
      const claim = await claimed(run.workerId, numbered);
      await withWorkerDb(async (db) => {
        assert.equal(await runExport(db, claim, run), "sliced");
      });
      // A crash empties unlogged tables: as if Postgres had restarted after one.
      await withDb(async (sql) => {
        const [{ staging_table }] = await sql`
          select staging_table from exports.export_checkpoints where export_id = ${claim.export_id}`;
        await sql.unsafe(`truncate ${staging_table}`);
      });
      const again = await claimAgain(claim.export_id, run);
      assert.equal(again.staged, false, "the claim sees the staged rows are gone");
      const { outcome } = await runToEnd(again, run);
      assert.equal(outcome, "completed");
      const row = await exportRow(claim.export_id);
      assert.deepEqual([row.status, row.row_count], ["completed", 2_000]);
    })
  );
});
