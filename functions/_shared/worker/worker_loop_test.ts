// The worker's round against real Postgres and the stack's Storage: the purge
// removes listed files and records them, even when no time is left to claim.
import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { stackEnv } from "../../../tests/support/env.ts";
import { createTestUser } from "../../../tests/support/users.ts";
import { claimNewExport } from "../../../tests/functions/_queue_fixture.ts";
import {
  exportRow,
  seedConversation,
  storedObjects,
} from "../../../tests/functions/_exports_helpers.ts";
import { workerDb } from "../files/db_client.ts";
import { runExport } from "./run_export.ts";
import { purgeFiles, workerRound } from "./worker_loop.ts";

const settings = {
  workerId: `worker-loop-test-${crypto.randomUUID()}`,
  leaseSeconds: 30,
  heartbeatMs: 1_000,
  statementTimeout: "30s",
  storage: { storageUrl: `${stackEnv().supabaseUrl}/storage/v1`, key: stackEnv().serviceRoleKey },
};

function storage(): SupabaseClient {
  return createClient(stackEnv().supabaseUrl, stackEnv().serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
}

/** A completed export of a new user, then expired by the cleanup; its id. */
async function expiredExport(db: ReturnType<typeof workerDb>): Promise<string> {
  const user = await createTestUser();
  await seedConversation(user, ["to be purged"]);
  const claim = await claimNewExport(db.sql, user, {
    source: "conversations",
    format: "csv",
  }, settings.workerId);
  assert.equal(await runExport(db, claim, settings), "completed");
  await db.sql`update exports.exports set expires_at = now() - interval '1 second'
               where export_id = ${claim.export_id}`;
  await db.sql`select exports.cleanup_expired_exports()`;
  return claim.export_id;
}

async function withWorkerDb(work: (db: ReturnType<typeof workerDb>) => Promise<void>) {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 2 });
  try {
    await work(db);
  } finally {
    await db.sql.end();
  }
}

Deno.test("purgeFiles removes an expired export's file and records the purge", async () => {
  await withWorkerDb(async (db) => {
    const exportId = await expiredExport(db);
    await purgeFiles(db, storage());
    const row = await exportRow(exportId);
    assert.ok(row.purged_at, "the purge is recorded");
    assert.deepEqual(await storedObjects(row), []);
  });
});

Deno.test("a round with no time left claims nothing and still purges", async () => {
  await withWorkerDb(async (db) => {
    const exportId = await expiredExport(db);
    const report = await workerRound(db, storage(), { ...settings, budgetMs: 0, concurrency: 1 });
    assert.deepEqual(report.outcomes, {});
    const row = await exportRow(exportId);
    assert.ok(row.purged_at, "the purge is recorded");
    assert.deepEqual(await storedObjects(row), []);
  });
});
