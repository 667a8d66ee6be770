// The gateway's exports_wake listener: a NOTIFY wakes the declared exports-worker with the
// wake secret (the service-role key where none is set), and bursts and streams of notifications are throttled.
import assert from "node:assert/strict";
import { startWakeListener, wakeChannel } from "../../local-stack/gateway/wake_listener.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { eventually, fixtureConfig } from "./fixture.ts";

for (
  const [wakeSecret, caller] of [[stackEnv().wakeSecret, "wake secret"], ["", "service_role"]]
) {
  Deno.test(`NOTIFY exports_wake reaches exports-worker with the ${caller}`, async () => {
    const log = await Deno.makeTempFile();
    try {
      await using _gateway = await startTestGateway({
        config: fixtureConfig,
        env: { GATEWAY_FIXTURE_WAKE_LOG: log, EXPORTS_WAKE_SECRET: wakeSecret },
      });
      await withDb((sql) => sql`select pg_notify('exports_wake', '')`);
      await eventually("the worker to be woken", async () => (await Deno.readTextFile(log)) !== "");
      assert.equal((await Deno.readTextFile(log)).split("\n")[0], caller);
    } finally {
      await Deno.remove(log);
    }
  });
}

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

/** A listener that records when it wakes the worker, throttled to one wake per `intervalMs`. */
async function recordingListener(intervalMs: number) {
  const wakes: number[] = [];
  const listener = await startWakeListener({
    databaseUrl: stackEnv().databaseUrl,
    deliver: () => {
      wakes.push(performance.now());
      return Promise.resolve(new Response(null, { status: 202 }));
    },
    intervalMs,
  });
  return { wakes, listener };
}

Deno.test("a lone notification after a quiet spell is answered at once, not after an interval", async () => {
  // An interval long enough that a wake held back for it cannot pass for a slow one.
  const intervalMs = 5_000;
  const { wakes, listener } = await recordingListener(intervalMs);
  try {
    await withDb(async (sql) => {
      const sent = performance.now();
      await sql`select pg_notify(${wakeChannel}, 'lone')`;
      await eventually("the first wake", () => Promise.resolve(wakes.length > 0));
      assert.ok(wakes[0] - sent < intervalMs / 2, `the first wake took ${wakes[0] - sent} ms`);
    });
  } finally {
    await listener.close();
  }
});

Deno.test("a stream of notifications is answered at most once an interval, the last one too", async () => {
  const intervalMs = 300;
  const { wakes, listener } = await recordingListener(intervalMs);
  try {
    await withDb(async (sql) => {
      // One every 20 ms for 1.2 s, each committed on its own.
      const started = performance.now();
      let last = started;
      for (let i = 0; i < 60; i++) {
        await sql`select pg_notify(${wakeChannel}, ${String(i)})`;
        last = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs * 2));
      const allowed = Math.ceil((last - started) / intervalMs) + 2;
      assert.ok(wakes.length <= allowed, `60 notifications caused ${wakes.length} wakes`);
      assert.ok(wakes.at(-1)! > last, "no wake came after the last notification");
      for (let i = 1; i < wakes.length; i++) {
        assert.ok(
          wakes[i] - wakes[i - 1] >= intervalMs - 5,
          `wakes ${wakes[i] - wakes[i - 1]} ms apart`,
        );
      }
    });
  } finally {
    await listener.close();
  }
});
