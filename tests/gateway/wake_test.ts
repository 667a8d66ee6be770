// The gateway's exports_wake listener: a NOTIFY wakes the declared exports-worker with the
// service-role key, and a gateway whose config declares no worker does not listen.
import assert from "node:assert/strict";
import { withDb } from "../support/db.ts";
import { startTestGateway } from "../support/gateway.ts";
import { eventually, fixtureConfig } from "./fixture.ts";

Deno.test("NOTIFY exports_wake reaches exports-worker with the service-role JWT", async () => {
  const log = await Deno.makeTempFile();
  try {
    await using _gateway = await startTestGateway({
      config: fixtureConfig,
      env: { GATEWAY_FIXTURE_WAKE_LOG: log },
    });
    await withDb((sql) => sql`select pg_notify('exports_wake', '')`);
    await eventually("the worker to be woken", async () => (await Deno.readTextFile(log)) !== "");
    assert.equal((await Deno.readTextFile(log)).split("\n")[0], "service_role");
  } finally {
    await Deno.remove(log);
  }
});

Deno.test("a burst of notifications is coalesced into at most two wakes", async () => {
  const log = await Deno.makeTempFile();
  try {
    {
      await using _gateway = await startTestGateway({
        config: fixtureConfig,
        env: { GATEWAY_FIXTURE_WAKE_LOG: log },
      });
      // One transaction: Postgres delivers all ten together on commit.
      await withDb((sql) =>
        sql.begin(async (tx) => {
          for (let i = 0; i < 10; i++) await tx`select pg_notify('exports_wake', ${String(i)})`;
        })
      );
      await eventually("the worker to be woken", async () => (await Deno.readTextFile(log)) !== "");
    }
    // The gateway has stopped, so every wake it was going to send has been counted.
    const wakes = (await Deno.readTextFile(log)).trim().split("\n");
    assert.ok(wakes.length <= 2, `ten notifications caused ${wakes.length} wakes`);
  } finally {
    await Deno.remove(log);
  }
});
