// asWorker runs the worker's work in one transaction against real Postgres:
// its statement timeout inside only, and nothing outliving a connection that
// drops.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { withDb } from "../../../tests/support/db.ts";
import { tcpRelay } from "../../../tests/support/tcp_relay.ts";
import { within } from "../../../tests/support/within.ts";
import { workerDb } from "../files/db_client.ts";
import { asWorker } from "./worker_transaction.ts";

const options = { statementTimeout: "5s" };

Deno.test("asWorker applies the statement timeout inside its transaction only", async () => {
  await withDb(async (sql) => {
    const [inside] = await asWorker(sql, options, (tx) => tx`show statement_timeout`);
    assert.equal(inside.statement_timeout, "5s");
    const [after] = await sql`select current_user, current_setting('statement_timeout') as timeout`;
    assert.notEqual(after.timeout, "5s");
    assert.equal(after.current_user, "postgres", "the worker's role throughout");
  });
});

Deno.test("asWorker runs none of the work when its statement timeout cannot be set", async () => {
  await withDb(async (sql) => {
    const ran: string[] = [];
    await assert.rejects(
      asWorker(sql, { statementTimeout: "not a duration" }, async (tx) => {
        const [{ role }] = await tx`select current_user as role`;
        ran.push(role);
      }),
      (error: { code?: string }) => error.code === "22023",
    );
    assert.deepEqual(ran, [], "the work's first statement ran without its timeout");
  });
});

/**
 * Runs `work` through a relay whose connections drop after 300 ms; returns
 * what asWorker rejected with. A COMMIT or ROLLBACK written to the
 * dropped connection would throw from a timer afterwards and fail the test.
 */
async function dropConnectionUnder(
  work: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<unknown> {
  const database = tcpRelay(new URL(Deno.env.get("SUPABASE_DB_URL")!));
  database.up();
  const db = workerDb(database.url(), { max: 2 });
  try {
    const running = asWorker(db.sql, { statementTimeout: "1min" }, work);
    await new Promise((resolve) => setTimeout(resolve, 300));
    database.down();
    const error = await within(10_000, running.then(() => null, (error) => error));
    // The turns a write to the dropped socket would take to throw.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return error;
  } finally {
    database.down();
    await db.sql.end({ timeout: 1 });
  }
}

Deno.test("a transaction whose connection drops fails, and the process lives on", async () => {
  const error = await dropConnectionUnder((tx) => tx`select pg_sleep(30)`);
  assert.match(String(error), /CONNECTION_CLOSED/);
});

Deno.test("a work that fails its own way after its connection dropped does not outlive it", async () => {
  // As an upload that Storage refused at the moment the database went away.
  const error = await dropConnectionUnder(async (tx) => {
    await tx`select pg_sleep(30)`.catch(() => {});
    throw new Error("Storage refused the file");
  });
  assert.match(String(error), /CONNECTION_CLOSED/);
});

Deno.test("a work that succeeds after its connection dropped is not committed to a dropped socket", async () => {
  const error = await dropConnectionUnder(async (tx) => {
    await tx`select pg_sleep(30)`.catch(() => {});
    return "stored";
  });
  assert.match(String(error), /CONNECTION_CLOSED/);
});
