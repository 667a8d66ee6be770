// Postgres restarted under a running export: the worker records the
// interrupted attempt once the database is back (a worker that crashed could
// not), so the export is retried without waiting out its lease, and exports
// requested afterwards go on within seconds. Which process runs the worker is
// not compared: under the free profile the platform retires an instance at
// its CPU limit whenever the suite's earlier exports bring it there.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import { withDb } from "../support/db.ts";
import { callExports, exportRow, pollFor, requestExport, settled } from "./_exports_helpers.ts";
import { registerSlowSource, slowExport, slowStatementBackends } from "./_slow_source.ts";

/** Restarts the stack's Postgres cluster with a fast shutdown, as an operator or a failover would. */
async function restartPostgres(): Promise<void> {
  const env = new URL("../../scripts/lib/env.sh", import.meta.url).pathname;
  const script = `source '${env}' && as_postgres` +
    ' "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_log" -w -t 60 restart -m fast >/dev/null';
  const { code, stderr } = await new Deno.Command("bash", { args: ["-c", script], stderr: "piped" })
    .output();
  assert.equal(code, 0, `pg_ctl restart failed: ${new TextDecoder().decode(stderr)}`);
}

Deno.test("a Postgres restart during an export is recorded at once and the queue moves on", async () => {
  await registerSlowSource();
  const user = await createTestUser();
  const running = await requestExport(user, slowExport(6));
  await pollFor("the export's staging to run", async () => {
    return (await slowStatementBackends(running)).length ? true : undefined;
  });

  await restartPostgres();
  await pollFor("the database to answer again", async () => {
    try {
      return await withDb(async (sql) => (await sql`select true as up`)[0].up);
    } catch {
      return undefined;
    }
  });

  // Retried at once: the interrupted attempt is recorded as failed and the
  // export queued again after the short retry backoff, not after its lease.
  // (What it is recorded as depends on what noticed the restart first: the
  // worker's own connection, or Storage's.)
  await pollFor("the interrupted attempt to be recorded", async () => {
    const row = await exportRow(running);
    return row.error_code !== null ? true : undefined;
  }, 20_000);

  const queued = await requestExport(user, slowExport(0.1));
  const requestedAt = Date.now();
  assert.equal((await settled(user, queued)).status, "completed");
  const tookMs = Date.now() - requestedAt;
  // Generous for a loaded machine; a worker stuck until its next restart
  // would never get there.
  assert.ok(tookMs < 15_000, `the export requested after the restart took ${tookMs} ms`);

  const done = await pollFor("the interrupted export to complete", async () => {
    const { body } = await callExports(user, `/${running}`, "GET");
    return ["queued", "processing"].includes(body.status as string) ? undefined : body;
  }, 120_000);
  assert.deepEqual([done.status, done.attempt], ["completed", 2]);
});
