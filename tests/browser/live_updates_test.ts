// The export center's live updates (export-center/live.js) without a browser: which private
// channels it joins, and when it polls instead. The client here is a recorder of the calls the
// module makes on supabase-js's channel API; the page's browser test runs it against the stack.
import assert from "node:assert/strict";
import { exportTopics, liveExports } from "../../export-center/live.js";

type Status = "SUBSCRIBED" | "CHANNEL_ERROR" | "TIMED_OUT" | "CLOSED";

/** A channel as the module uses it: `on('broadcast', …)`, `subscribe(cb)`; driven by the test. */
class RecordedChannel {
  broadcast?: (message: { event: string; payload: unknown }) => void;
  status?: (status: Status) => void;
  removed = false;
  constructor(readonly topic: string, readonly options: unknown) {}
  on(type: string, _filter: unknown, callback: RecordedChannel["broadcast"]) {
    assert.equal(type, "broadcast");
    this.broadcast = callback;
    return this;
  }
  subscribe(callback: RecordedChannel["status"]) {
    this.status = callback;
    return this;
  }
}

function recordingClient() {
  const channels: RecordedChannel[] = [];
  return {
    channels,
    channel(topic: string, options: unknown) {
      const channel = new RecordedChannel(topic, options);
      channels.push(channel);
      return channel;
    },
    removeChannel(channel: RecordedChannel) {
      channel.removed = true;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, or fails after two seconds (timers run late on a busy CI). */
async function until(condition: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(message);
    await sleep(5);
  }
}

Deno.test("live updates join one private channel for the user and one a scope", () => {
  assert.deepEqual(exportTopics("u1", ["s1", "s2"]), [
    "exports:user:u1",
    "exports:scope:s1",
    "exports:scope:s2",
  ]);
  const supabase = recordingClient();
  const stop = liveExports({ supabase, topics: ["exports:u1"], isActive: () => false })
    .subscribe(() => {});
  assert.deepEqual(supabase.channels.map((c) => [c.topic, c.options]), [
    ["exports:u1", { config: { private: true } }],
  ]);
  stop();
  assert.ok(supabase.channels[0].removed, "unsubscribing removes the channel");
});

Deno.test("live updates poll while channels are not joined, and only while work is active", async () => {
  const supabase = recordingClient();
  const changes: string[] = [];
  const modes: string[] = [];
  let active = false;
  const stop = liveExports({
    supabase,
    topics: ["exports:u1"],
    isActive: () => active,
    onMode: (mode: string) => modes.push(mode),
    pollMs: 10,
    joinTimeoutMs: 30,
  }).subscribe((change: { kind: string }) => changes.push(change.kind));
  await sleep(80);
  assert.deepEqual(modes, ["connecting", "polling"], "no join in time: polling");
  assert.deepEqual(changes, [], "nothing active: no polls");
  active = true;
  await until(() => changes.filter((kind) => kind === "poll").length >= 2, "active: polls");
  stop();
  const polled = changes.length;
  await sleep(50);
  assert.equal(changes.length, polled, "no polls after unsubscribing");
});

Deno.test("live updates follow broadcasts once joined, and poll again when the channel drops", async () => {
  const supabase = recordingClient();
  const changes: { kind: string; payload?: unknown }[] = [];
  const modes: string[] = [];
  const stop = liveExports({
    supabase,
    topics: ["exports:u1", "exports:s1"],
    isActive: () => true,
    onMode: (mode: string) => modes.push(mode),
    pollMs: 10,
    joinTimeoutMs: 1000,
  }).subscribe((change: { kind: string; payload?: unknown }) => changes.push(change));
  const [own, shared] = supabase.channels;
  own.status!("SUBSCRIBED");
  assert.deepEqual(modes, ["connecting"], "realtime only once every channel is joined");
  shared.status!("SUBSCRIBED");
  assert.deepEqual(modes, ["connecting", "realtime"]);
  assert.deepEqual(changes.map((c) => c.kind), ["joined"], "a join asks for a fresh list");
  shared.broadcast!({ event: "export_completed", payload: { export_id: "e1" } });
  await sleep(40);
  assert.deepEqual(changes.map((c) => c.kind), ["joined", "broadcast"], "no polls while joined");
  assert.deepEqual(changes[1].payload, { export_id: "e1" });

  shared.status!("CHANNEL_ERROR");
  assert.equal(modes.at(-1), "polling");
  await until(() => changes.some((c) => c.kind === "poll"), "a dropped channel brings polls back");
  stop();
});
