// The worker's client when the database refuses it, through a TCP relay in
// front of the real local Postgres: a pool whose connections were refused
// connects again once the database is back.
import assert from "node:assert/strict";
import { tcpRelay } from "../../../tests/support/tcp_relay.ts";
import { within } from "../../../tests/support/within.ts";
import { workerDb } from "./db_client.ts";

Deno.test("a pool whose connections were refused connects again once the database is back", async () => {
  const database = tcpRelay(new URL(Deno.env.get("SUPABASE_DB_URL")!));
  const db = workerDb(database.url(), { max: 2 });
  try {
    // More refusals than the pool has connections.
    for (let attempt = 0; attempt < 4; attempt++) {
      await assert.rejects(within(10_000, db.sql`select 1`), /ECONNREFUSED/);
    }
    database.up();
    const [{ up }] = await within(10_000, db.sql`select true as up`);
    assert.equal(up, true);
  } finally {
    database.down();
    await db.sql.end({ timeout: 1 });
  }
});

Deno.test("a connection idle past the pool's idle timeout is closed", async () => {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, idleTimeoutSeconds: 1 });
  const observer = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const [{ pid }] = await db.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const connected = async () =>
      (await observer.sql`select 1 from pg_stat_activity where pid = ${pid}`).length === 1;
    assert.equal(await connected(), true, "the pool holds its connection after the query");
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await connected(), false, "the idle connection is closed");
  } finally {
    await db.sql.end({ timeout: 1 });
    await observer.sql.end({ timeout: 1 });
  }
});
