// runExport against real Postgres and the stack's Storage: a claimed export
// ends completed with its file stored, stopped without a file, or queued
// again when Storage cannot be reached.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { stackEnv } from "../../../tests/support/env.ts";
import { withDb } from "../../../tests/support/db.ts";
import { createTestUser } from "../../../tests/support/users.ts";
import { within } from "../../../tests/support/within.ts";
import { claimNewExport } from "../../../tests/functions/_queue_fixture.ts";
import {
  exportRow,
  seedConversation,
  seedManyConversations,
  storedObjects,
} from "../../../tests/functions/_exports_helpers.ts";
import { workerDb } from "../files/db_client.ts";
import { type ClaimedExport, claimExports } from "./queue.ts";
import { runExport } from "./run_export.ts";

/** A service-role client, as the worker holds one, for the stack's gateway or `url`. */
function storage(url = stackEnv().supabaseUrl): SupabaseClient {
  return createClient(url, stackEnv().serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
}

const settings = () => ({
  workerId: `run-export-test-${crypto.randomUUID()}`,
  leaseSeconds: 30,
  heartbeatMs: 1_000,
  statementTimeout: "30s",
});

async function claimed(workerId: string): Promise<ClaimedExport> {
  const user = await createTestUser();
  await seedConversation(user, ["hello", "world"]);
  const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
  try {
    return await claimNewExport(sql, user, { source: "conversations", format: "csv" }, workerId);
  } finally {
    await sql.end();
  }
}

/**
 * `claim`'s lease runs out, the cleanup queues its export again, and the worker
 * of `run` claims it anew: the run of `claim` may still be going.
 */
async function claimAfterLostLease(
  claim: ClaimedExport,
  run: { workerId: string; leaseSeconds: number },
): Promise<ClaimedExport> {
  return await withDb(async (sql) => {
    await sql`update exports.exports set lease_expires_at = now() - interval '1 second', priority = 32767
              where export_id = ${claim.export_id}`;
    await sql`select exports.cleanup_expired_exports()`;
    const [again] = await claimExports(sql, run.workerId, 1, run.leaseSeconds);
    return again;
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

Deno.test("runExport stores the file and completes the export", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  const outcome = await withWorkerDb((db) => runExport(db, storage(), claim, run));
  assert.equal(outcome, "completed");
  const row = await exportRow(claim.export_id);
  assert.equal(row.status, "completed");
  assert.deepEqual(await storedObjects(row), [claim.storage_path]);
});

Deno.test("runExport removes the file of an export canceled while it ran", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  await withWorkerDb(async (db) => {
    await db.sql`update exports.exports set status = 'canceled', finished_at = now(),
                   lease_owner = null, lease_expires_at = null
                 where export_id = ${claim.export_id}`;
    assert.equal(await runExport(db, storage(), claim, run), "stopped");
  });
  assert.deepEqual(await storedObjects(await exportRow(claim.export_id)), []);
});

Deno.test("runExport queues the export again when Storage cannot be reached", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const unreachable = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  const outcome = await withWorkerDb((db) => runExport(db, storage(unreachable), claim, run));
  assert.equal(outcome, "queued");
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["queued", "storage_unavailable"]);
  // Out of the queue before its backoff ends and a worker takes it.
  await withWorkerDb((db) =>
    db.sql`update exports.exports set status = 'canceled', finished_at = now()
           where export_id = ${claim.export_id}`
  );
});

Deno.test("runExport queues the export again when Storage takes the file but never answers", async () => {
  const run = { ...settings(), storageTimeoutMs: 500 };
  const claim = await claimed(run.workerId);
  // A Storage that accepts the connection and then neither reads nor answers.
  const held: Deno.Conn[] = [];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const hung = `http://127.0.0.1:${listener.addr.port}`;
    const outcome = await within(
      10_000,
      withWorkerDb((db) => runExport(db, storage(hung), claim, run)),
    );
    assert.equal(outcome, "queued");
    const row = await exportRow(claim.export_id);
    assert.deepEqual([row.status, row.error_code], ["queued", "storage_unavailable"]);
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
    await withDb((sql) =>
      sql`update exports.exports set status = 'canceled', finished_at = now()
          where export_id = ${claim.export_id}`
    );
  }
});

Deno.test("runExport fails an export whose source outgrew its row limit, and stores nothing", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  // The conversation has 2 messages; as if a limit of 1 had been counted within at request time.
  const outcome = await withWorkerDb((db) =>
    runExport(db, storage(), { ...claim, row_limit: "1" }, run)
  );
  assert.equal(outcome, "failed");
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["failed", "too_many_rows"]);
  assert.deepEqual(await storedObjects(row), []);
});

Deno.test("runExport records a source error raised mid-file as the source's, not Storage's", async () => {
  const run = settings();
  const claim = await claimed(run.workerId);
  // A division by zero on the third row, after the first rows were sent to Storage.
  const statement =
    "copy (select 1 / (3 - n) as x from generate_series(1, 3) n) to stdout with (format csv, header)";
  const outcome = await withWorkerDb((db) =>
    runExport(db, storage(), { ...claim, statement }, run)
  );
  assert.equal(outcome, "failed");
  const row = await exportRow(claim.export_id);
  assert.deepEqual([row.status, row.error_code], ["failed", "source_data_error"]);
  assert.deepEqual(await storedObjects(row), []);
});

Deno.test("runExport stops an export canceled mid-COPY and frees its connection", async () => {
  const run = { ...settings(), heartbeatMs: 100 };
  const user = await createTestUser();
  // Some 2 MB of CSV, which the Storage below takes 64 KiB every 50 ms:
  // the COPY is still sending rows when the cancel is seen.
  await seedManyConversations(user, 20_000);
  const claim = await withDb((sql) =>
    claimNewExport(sql, user, { source: "conversations", format: "csv" }, run.workerId)
  );
  const firstChunk = Promise.withResolvers<void>();
  const slowStorage = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      try {
        for await (const _ of request.body!) {
          firstChunk.resolve();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } catch {
        // The worker gave the upload up.
      }
      return Response.json({ Key: "unused" });
    },
  );
  try {
    await withWorkerDb(async (db) => {
      const outcome = runExport(
        db,
        storage(`http://127.0.0.1:${slowStorage.addr.port}`),
        claim,
        run,
      );
      await firstChunk.promise;
      await withDb((sql) =>
        sql`update exports.exports set status = 'canceled', finished_at = now(),
              lease_owner = null, lease_expires_at = null
            where export_id = ${claim.export_id}`
      );
      // A run whose COPY stays blocked would hang here with its transaction
      // open: the run returning at all is the check (it returns only once its
      // transaction has rolled back).
      assert.equal(await within(30_000, outcome), "stopped");
    });
  } finally {
    await slowStorage.shutdown();
  }
});

Deno.test("a worker that lost its lease cannot remove the file a later attempt completed with", async () => {
  const stale = settings();
  const claimedFirst = await claimed(stale.workerId);
  // The first worker's lease runs out while it still runs (its heartbeats
  // failing); the cleanup queues the export again and a second worker takes it.
  const later = settings();
  const claimedAgain = await claimAfterLostLease(claimedFirst, later);
  assert.equal(claimedAgain.export_id, claimedFirst.export_id);
  assert.notEqual(claimedAgain.storage_path, claimedFirst.storage_path);

  await withWorkerDb(async (db) => {
    assert.equal(await runExport(db, storage(), claimedAgain, later), "completed");
    // The first worker finishes too: its completion is refused, and it removes its own file.
    assert.equal(await runExport(db, storage(), claimedFirst, stale), "stopped");
  });
  const row = await exportRow(claimedFirst.export_id);
  assert.deepEqual([row.status, row.storage_path], ["completed", claimedAgain.storage_path]);
  assert.deepEqual(
    await storedObjects(row),
    [row.storage_path],
    "the completed file is still in Storage",
  );
});

Deno.test("a run whose claim its own worker replaced can neither complete nor touch the later attempt's file", async () => {
  // One worker instance: its first run's lease ran out while the run went
  // on, and the same instance claimed the export again.
  const run = settings();
  const first = await claimed(run.workerId);
  const second = await claimAfterLostLease(first, run);
  assert.deepEqual([second.export_id, second.attempt], [first.export_id, 2]);

  await withWorkerDb(async (db) => {
    // The first run finishes first: its completion is refused, though its worker id matches.
    assert.equal(await runExport(db, storage(), first, run), "stopped");
    assert.equal(await runExport(db, storage(), second, run), "completed");
  });
  const row = await exportRow(first.export_id);
  assert.deepEqual([row.status, row.storage_path], ["completed", second.storage_path]);
  assert.deepEqual(
    await storedObjects(row),
    [second.storage_path],
    "only the second attempt's file",
  );
});
