// Progress across slices, as a person follows it: get_export and the Realtime
// broadcasts say how many rows are written of how many expected (exact once
// staged), how many parts are stored so far and, once there is a rate, how
// long is left; none of it goes backwards.
import assert from "node:assert/strict";
import { userClient } from "../support/clients.ts";
import { createTestUser } from "../support/users.ts";
import { callExports, pollFor } from "./_exports_helpers.ts";
import { type ReceivedBroadcast, subscribe } from "./_realtime.ts";
import {
  checkpointOf,
  numberedSource,
  registerNumberedSource,
  signalWorkers,
  withSliceBytes,
} from "./_sliced_exports.ts";

const rows = 6_000;

Deno.test("get_export and the broadcasts report rows written and expected, parts and time left across slices", async () => {
  await registerNumberedSource();
  const user = await createTestUser();
  const client = userClient(user.token, { keys: user.keys });
  const subscription = await subscribe(user, `exports:user:${user.id}`);
  try {
    assert.equal(subscription.status, "SUBSCRIBED", String(subscription.error));
    await withSliceBytes(16 * 1024, async () => {
      const created = await callExports(user, "", "POST", {
        source: numberedSource,
        format: "csv",
        options: { rows, width: 60 },
        max_part_bytes: 64 * 1024,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const exportId = created.body.export_id as string;

      // Three looks with the worker held, each more than a second after the
      // last.
      const seen: Record<string, unknown>[] = [];
      for (const slices of [6, 12, 20]) {
        await pollFor(`${slices} slices`, async () => {
          const checkpoint = await checkpointOf(exportId);
          return checkpoint && checkpoint.slices_done >= slices ? true : undefined;
        });
        await signalWorkers("SIGSTOP");
        try {
          const { data, error } = await client.rpc("get_export", { export_id: exportId });
          assert.equal(error, null, JSON.stringify(error));
          seen.push(data);
          await new Promise((resolve) => setTimeout(resolve, 1_100));
        } finally {
          await signalWorkers("SIGCONT");
        }
      }
      for (const summary of seen) {
        assert.ok(
          ["queued", "processing"].includes(summary.status as string),
          `it is still running, or due for its next slice, when looked at: ${summary.status}`,
        );
        assert.equal(
          Number(summary.rows_expected),
          rows,
          "the rows expected are exact once staged",
        );
        assert.ok(Number(summary.rows_written) > 0 && Number(summary.rows_written) < rows);
        assert.ok(Number(summary.parts) >= 1, "parts are stored as the slices go");
        assert.equal(typeof summary.eta_seconds, "number", "a rate gives an estimate of time left");
        assert.ok(Number(summary.eta_seconds) >= 0);
      }
      for (const field of ["rows_written", "parts"]) {
        const values = seen.map((summary) => Number(summary[field]));
        assert.deepEqual(values, [...values].sort((a, b) => a - b), `${field} never goes back`);
      }
      assert.ok(Number(seen[2].rows_written) > Number(seen[0].rows_written));

      const events = await pollFor("the completed broadcast", () => {
        const ours = subscription.received.filter((b: ReceivedBroadcast) =>
          b.payload.export?.export_id === exportId
        );
        return Promise.resolve(ours.some((b) => b.event === "completed") ? ours : undefined);
      }, 60_000);
      const progress = events.filter((b) => b.event === "progress").map((b) => b.payload.export!);
      // The first slice's is always sent; a later slice's only when its record
      // falls in another second than the export's last update (its claim, or a
      // heartbeat), which a held worker does not decide.
      assert.ok(progress.length >= 1, "the first slice's progress is broadcast");
      assert.ok(Number(progress[0].rows_written) > 0, "with rows written");
      const written = progress.map((summary) => Number(summary.rows_written));
      assert.deepEqual(
        written,
        [...written].sort((a, b) => a - b),
        "broadcast progress never goes back",
      );
      for (const summary of progress) {
        assert.equal(Number(summary.rows_expected), rows);
        assert.ok(Number(summary.rows_written) <= rows);
      }
      const done = events.find((b) => b.event === "completed")!.payload.export!;
      assert.equal(Number(done.rows_written), rows);
      assert.ok(Number(done.parts) > Number(seen[2].parts), "the last parts are counted");
    });
  } finally {
    await subscription.close();
  }
});
