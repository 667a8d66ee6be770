// An expired export's file leaves Storage with no export queued: the cleanup
// lists it, the wake-up (both called here as pg_cron calls them) wakes the
// worker, and the worker's round purges it though it has nothing to claim.
// On a throwaway database, which has no pg_cron, with a gateway of its own,
// so nothing but these calls wakes the worker.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureUser } from "../../local-stack/gateway/users.ts";
import { withDb } from "../support/db.ts";
import { startTestGateway } from "../support/gateway.ts";
import { withThrowawayDatabase } from "../support/throwaway_database.ts";
import { pollFor } from "./_exports_helpers.ts";

Deno.test("an expired file is purged from Storage with no export queued", async () => {
  await withThrowawayDatabase("expired_files_are_purged", async (databaseUrl) => {
    const db = <T>(run: Parameters<typeof withDb<T>>[0]) => withDb(run, databaseUrl);
    const exportId = await db(async (sql) => {
      const user = await ensureUser(sql, `idle-purge-${crypto.randomUUID()}@example.com`);
      return await sql.begin(async (tx) => {
        await tx`set local role authenticated`;
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ sub: user.id, role: "authenticated" })
        }, true)`;
        const [row] = await tx`
          select export_id from public.request_export(source => 'conversations', format => 'csv')`;
        return row.export_id as string;
      }) as string;
    });
    const state = () =>
      db(async (sql) => {
        const [row] = await sql<
          { status: string; purged: boolean; path: string; objects: number; queued: number }[]
        >`
          select e.status, e.purged_at is not null as purged, e.storage_bucket || '/' || e.storage_path as path,
            (select count(*)::int from storage.objects o
             where o.bucket_id = e.storage_bucket and o.name = e.storage_path) as objects,
            (select count(*)::int from exports.exports q where q.status = 'queued') as queued
          from exports.exports e where e.export_id = ${exportId}`;
        return row;
      });

    await using gateway = await startTestGateway({ env: { SUPABASE_DB_URL: databaseUrl } });
    await db((sql) => sql`select exports.wake_worker()`);
    const stored = await pollFor("the worker to store the file", async () => {
      const row = await state();
      return row.status === "completed" ? row : undefined;
    });
    assert.equal(stored.objects, 1, "the completed export's file is in Storage");
    await Deno.stat(join(gateway.storageDir, stored.path));

    await db((sql) =>
      sql`update exports.exports set expires_at = now() - interval '1 second'
          where export_id = ${exportId}`
    );
    const [{ summary }] = await db((sql) =>
      sql`select exports.cleanup_expired_exports() as summary`
    );
    assert.deepEqual(
      [summary.expired, summary.files_to_purge],
      [1, 1],
      "the cleanup lists the file",
    );
    assert.equal((await state()).queued, 0, "no export is queued");
    await db((sql) => sql`select exports.wake_worker()`);

    const purged = await pollFor("the worker to purge the file", async () => {
      const row = await state();
      return row.purged ? row : undefined;
    });
    assert.deepEqual(
      [purged.status, purged.objects, purged.queued],
      ["expired", 0, 0],
      "the file is gone from Storage and recorded purged",
    );
    await assert.rejects(
      Deno.stat(join(gateway.storageDir, stored.path)),
      Deno.errors.NotFound,
      "its bytes are gone too",
    );
  });
});
