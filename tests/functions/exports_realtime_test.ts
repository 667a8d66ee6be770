// Live status through Realtime, with the real realtime-js client: a user hears their own exports
// through completion and a household member the household's, while a join to someone else's
// topic, or with an expired token, is refused with the server's own words.
import assert from "node:assert/strict";
import { createTestUser } from "../support/users.ts";
import { callExports, pollFor, seedConversation, seedHousehold } from "./_exports_helpers.ts";
import { withDb } from "../support/db.ts";
import { type ReceivedBroadcast, subscribe, type Subscription } from "./_realtime.ts";
import { withSliceBytes } from "./_sliced_exports.ts";

/**
 * Registers `wide_slow_rows`: 60 rows of 2 kB, 50 ms apart. Inlined into the COPY (stable, a
 * SQL-standard body, no `set` clause), its rows stream as they are made; Postgres sends them in 8 kB buffers, so the worker
 * counts rows, and records progress, every few of them.
 */
async function registerWideSlowSource(): Promise<void> {
  await withDb(async (sql) => {
    await sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      create or replace function exports_tests.wide_slow_rows(options jsonb)
      returns table (n int, filler text)
      language sql stable security invoker
      begin atomic
        select g, pg_catalog.repeat('x', 2000) from pg_catalog.generate_series(1, 60) g,
          lateral pg_catalog.pg_sleep(0.05 + 0 * g) s;
      end;
      grant execute on function exports_tests.wide_slow_rows(jsonb) to authenticated;`);
    await sql`select exports.register_source(name => 'wide_slow_rows',
      rows_function => 'exports_tests.wide_slow_rows(jsonb)', formats => array['csv'])`;
  });
}

// realtime-js keeps rejoin and heartbeat timers of its own until its socket closes.
const realtimeTest = { sanitizeOps: false, sanitizeResources: false };

/** The broadcasts of one export once one of them is `event`. */
function eventsUntil(
  subscription: Subscription,
  exportId: string,
  event: string,
): Promise<ReceivedBroadcast[]> {
  return pollFor(`the ${event} broadcast of ${exportId}`, () => {
    const mine = subscription.received.filter((b) => b.payload.export?.export_id === exportId);
    return Promise.resolve(mine.some((b) => b.event === event) ? mine : undefined);
  });
}

for (const vsn of ["2.0.0", "1.0.0"] as const) {
  Deno.test({
    name: `a user receives their own export's events through completion (vsn ${vsn})`,
    ...realtimeTest,
    async fn() {
      const user = await createTestUser();
      await seedConversation(user, ["hello", "world"]);
      const subscription = await subscribe(user, `exports:user:${user.id}`, { vsn });
      try {
        assert.equal(subscription.status, "SUBSCRIBED", String(subscription.error));
        const created = await callExports(user, "", "POST", {
          source: "conversations",
          format: "csv",
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const exportId = created.body.export_id as string;
        const events = await eventsUntil(subscription, exportId, "completed");
        assert.deepEqual(
          events.map((b) => b.event).filter((e) => e !== "progress"),
          ["requested", "started", "completed"],
        );
        const completed = events.at(-1)!.payload.export!;
        const { data: summary } = await subscription.client.rpc("get_export", {
          export_id: exportId,
        });
        assert.deepEqual(completed, summary, "the completion carries get_export's summary");
        assert.equal(completed.status, "completed");
        assert.match(String(completed.checksum_sha256), /^[0-9a-f]{64}$/);
      } finally {
        await subscription.close();
      }
    },
  });
}

Deno.test({
  name: "a running export's progress arrives at most once a second",
  ...realtimeTest,
  async fn() {
    await registerWideSlowSource();
    const user = await createTestUser();
    const subscription = await subscribe(user, `exports:user:${user.id}`);
    try {
      assert.equal(subscription.status, "SUBSCRIBED", String(subscription.error));
      // Slices of two or three rows: the export's progress is recorded some
      // thirty times, after its staging has waited on every row.
      const events = await withSliceBytes(4_096, async () => {
        const created = await callExports(user, "", "POST", {
          source: "wide_slow_rows",
          format: "csv",
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        return await eventsUntil(subscription, created.body.export_id as string, "completed");
      });
      const progress = events.filter((b) => b.event === "progress").map((b) => b.payload.export!);
      const done = events.at(-1)!.payload.export!;
      const seconds = (Date.parse(String(done.finished_at)) - Date.parse(String(done.started_at))) /
        1000;
      assert.ok(progress.length >= 1, "an export of many slices reports its progress");
      // One a wall-clock second at most: no more than the seconds it ran through, plus the one begun.
      assert.ok(
        progress.length <= Math.ceil(seconds) + 1,
        `${progress.length} progress messages over ${seconds} s`,
      );
      const rows = progress.map((summary) => Number(summary.rows_written));
      assert.deepEqual(rows, [...rows].sort((a, b) => a - b), "progress only grows");
      assert.ok(rows.every((n) => n > 0 && n <= 60), JSON.stringify(rows));
    } finally {
      await subscription.close();
    }
  },
});

Deno.test({
  name: "a household member receives the household's export events",
  ...realtimeTest,
  async fn() {
    const owner = await createTestUser();
    const member = await createTestUser();
    const household = await seedHousehold(owner, [member], [{
      occurredOn: "2026-03-01",
      category: "Utilities",
      description: "power, March",
      amount: "-61.30",
    }]);
    const subscription = await subscribe(member, `exports:scope:${household}`);
    try {
      assert.equal(subscription.status, "SUBSCRIBED", String(subscription.error));
      const created = await callExports(owner, "", "POST", {
        source: "budget",
        format: "csv",
        scope: household,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const exportId = created.body.export_id as string;
      const events = await eventsUntil(subscription, exportId, "completed");
      assert.equal(events[0].event, "requested");
      assert.equal(events.at(-1)!.payload.export!.scope_id, household);
    } finally {
      await subscription.close();
    }
  },
});

Deno.test({
  name: "an outsider's join to another user's topic is refused and hears nothing",
  ...realtimeTest,
  async fn() {
    const owner = await createTestUser();
    const outsider = await createTestUser();
    const topic = `exports:user:${owner.id}`;
    const subscription = await subscribe(outsider, topic);
    try {
      assert.equal(subscription.status, "CHANNEL_ERROR");
      assert.equal(
        subscription.error?.message,
        `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
      );
      await seedConversation(owner, ["private"]);
      const created = await callExports(owner, "", "POST", {
        source: "conversations",
        format: "csv",
      });
      assert.equal(created.status, 201);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(subscription.received, []);
    } finally {
      await subscription.close();
    }
  },
});

Deno.test({
  name: "a join with an expired token is refused",
  ...realtimeTest,
  async fn() {
    const user = await createTestUser(undefined, -30);
    const subscription = await subscribe(user, `exports:user:${user.id}`);
    try {
      assert.equal(subscription.status, "CHANNEL_ERROR");
      assert.match(
        subscription.error?.message ?? "",
        /^InvalidJWTToken: Token has expired \d+ seconds ago$/,
      );
    } finally {
      await subscription.close();
    }
  },
});
