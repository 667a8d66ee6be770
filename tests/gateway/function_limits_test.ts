// The function host's limits per instance, as the edge runtime's per-worker supervisor enforces
// them: past the CPU soft limit or half the wall clock an instance takes no new requests and ends
// once idle; past the CPU hard limit, the memory limit or the whole wall clock it is killed and
// the request in flight gets hosted Supabase's 546. The free profile with small test overrides:
// the code path is the one every profile takes.
import assert from "node:assert/strict";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { eventually, fixtureConfig } from "./fixture.ts";

/** A gateway under the free profile with `limits` (EXPORTS_LIMIT_* names without the prefix). */
function gatewayWith(limits: Record<string, number>): Promise<TestGateway> {
  const env: Record<string, string> = { EXPORTS_PROFILE: "free" };
  for (const [name, value] of Object.entries(limits)) env[`EXPORTS_LIMIT_${name}`] = String(value);
  return startTestGateway({ config: fixtureConfig, env });
}

/** Calls the burn fixture with `params`; its status and body. */
async function burn(gateway: TestGateway, params: string) {
  const response = await fetch(`${gateway.url}/functions/v1/burn?${params}`, { method: "POST" });
  return { status: response.status, body: await response.json() };
}

const workerLimit = {
  code: "WORKER_RESOURCE_LIMIT",
  message: "Function failed due to not having enough compute resources (please check logs)",
};

function isAlive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
}

Deno.test("an instance past its CPU hard limit is killed and its request gets 546", async () => {
  await using gateway = await gatewayWith({ CPU_SOFT_MS: 200, CPU_HARD_MS: 400 });
  const { body: first } = await burn(gateway, "");
  const killed = await burn(gateway, "cpu=20000");
  assert.deepEqual(killed, { status: 546, body: workerLimit });
  assert.ok(!isAlive(first.pid), "the instance is gone");
  const after = await burn(gateway, "");
  assert.equal(after.status, 200, "the next request is served");
  assert.notEqual(after.body.pid, first.pid, "by a new instance");
});

Deno.test("CPU counts across requests: past the soft limit the next request goes to a new instance", async () => {
  await using gateway = await gatewayWith({ CPU_SOFT_MS: 300, CPU_HARD_MS: 60_000 });
  const { body: first } = await burn(gateway, "cpu=150");
  const { status, body: second } = await burn(gateway, "cpu=250");
  assert.equal(status, 200, "the request that crossed the soft limit is answered");
  assert.equal(second.pid, first.pid, "by the same instance");
  let next = second.pid;
  await eventually("a new instance to take requests", async () => {
    next = (await burn(gateway, "")).body.pid;
    return next !== first.pid;
  });
  await eventually(
    "the retired instance to end once idle",
    () => Promise.resolve(!isAlive(first.pid)),
  );
});

Deno.test("work passed to waitUntil counts too: past the hard limit the instance is killed", async () => {
  await using gateway = await gatewayWith({ CPU_SOFT_MS: 200, CPU_HARD_MS: 400 });
  const answered = await burn(gateway, "background&cpu=20000");
  assert.equal(answered.status, 200, "the response went out before the work");
  await eventually("the instance to be killed", () => Promise.resolve(!isAlive(answered.body.pid)));
  assert.notEqual((await burn(gateway, "")).body.pid, answered.body.pid);
});

Deno.test("a retired instance finishes its waitUntil work before it ends", async () => {
  await using gateway = await gatewayWith({ CPU_SOFT_MS: 100, CPU_HARD_MS: 60_000 });
  // Long enough in its sleep that a new instance has booted, on a busy machine too, before it ends.
  const answered = await burn(gateway, "background&cpu=150&sleep=10000");
  await eventually("a new instance to take requests", async () => {
    return (await burn(gateway, "")).body.pid !== answered.body.pid;
  });
  assert.ok(isAlive(answered.body.pid), "the retired instance still has work");
  await eventually(
    "the retired instance to end",
    () => Promise.resolve(!isAlive(answered.body.pid)),
  );
});

Deno.test("an instance past its memory limit is killed and its request gets 546", async () => {
  await using gateway = await gatewayWith({ MEMORY_MB: 160 });
  const { body: first } = await burn(gateway, "");
  const killed = await burn(gateway, "memory=300&sleep=10000");
  assert.deepEqual(killed, { status: 546, body: workerLimit });
  assert.ok(!isAlive(first.pid), "the instance is gone");
});

Deno.test("an instance's V8 heap is limited to its memory limit, as the edge runtime sizes it", async () => {
  await using gateway = await gatewayWith({ MEMORY_MB: 160 });
  const { body } = await burn(gateway, "");
  assert.equal(body.heapLimit, 160 * 1024 * 1024);
});

Deno.test("an instance reports the peak of what the runtime counts: its V8 heap and external memory", async () => {
  const reports = await Deno.makeTempDir({ prefix: "memory-reports-" });
  try {
    await using gateway = await startTestGateway({
      config: fixtureConfig,
      env: { EXPORTS_PROFILE: "free" },
      memoryReportsDir: reports,
    });
    const counted = async (pid: number) =>
      JSON.parse(await Deno.readTextFile(`${reports}/${pid}.json`)) as {
        bytes: number;
        heapUsed: number;
        external: number;
      };
    const { body } = await burn(gateway, "");
    let idle = { bytes: 0, heapUsed: 0, external: 0 };
    await eventually("the instance's first report", async () => {
      idle = await counted(body.pid).catch(() => idle);
      return idle.bytes > 0;
    });
    assert.equal(idle.bytes, idle.heapUsed + idle.external);
    // Held as an ArrayBuffer: external memory, which the resident set alone would not tell apart.
    const held = await burn(gateway, "memory=40&sleep=200");
    assert.equal(held.body.pid, body.pid, "the same instance");
    const peak = await counted(body.pid);
    assert.ok(
      peak.external >= idle.external + 40 * 1024 * 1024,
      `40 MiB more external memory: ${JSON.stringify({ idle, peak })}`,
    );
  } finally {
    await Deno.remove(reports, { recursive: true });
  }
});

Deno.test("an instance past its wall clock is killed; past half of it, it takes no new requests", async () => {
  await using gateway = await gatewayWith({ WALL_CLOCK_MS: 4_000 });
  const started = Date.now();
  const { body: first } = await burn(gateway, "");
  const killed = burn(gateway, "sleep=20000");
  await eventually("a new instance past half the wall clock", async () => {
    return (await burn(gateway, "")).body.pid !== first.pid;
  });
  assert.ok(Date.now() - started >= 2_000, "not before half the wall clock");
  assert.deepEqual(await killed, { status: 546, body: workerLimit });
  assert.ok(Date.now() - started < 15_000, "killed at the wall clock, not when its sleep ended");
});
