// Tests for bench/process_cpu.ts, against real processes.
import assert from "node:assert/strict";
import process from "node:process";
import { cpuSeconds } from "./process_cpu.ts";

Deno.test("a process's CPU time from /proc agrees with its own account of it", async () => {
  const ownBefore = process.cpuUsage();
  const before = await cpuSeconds(Deno.pid);
  // Half a second of CPU: 50 clock ticks, enough to see through their granularity.
  const until = performance.now() + 500;
  let spins = 0;
  while (performance.now() < until) spins++;
  const after = await cpuSeconds(Deno.pid);
  const own = process.cpuUsage(ownBefore);
  const ownSeconds = (own.user + own.system) / 1e6;
  assert.ok(spins > 0 && ownSeconds > 0.1, `the loop used only ${ownSeconds} s of CPU`);
  assert.ok(
    Math.abs((after - before) - ownSeconds) < 0.05,
    `/proc counted ${(after - before).toFixed(3)} s, the process itself ${ownSeconds.toFixed(3)} s`,
  );
});

Deno.test("a process that is gone is reported as such", async () => {
  await assert.rejects(() => cpuSeconds(2 ** 22 + 1), /NotFound|No such file/);
});
