// Tests for bench/process_memory.ts, against real processes.
import assert from "node:assert/strict";
import { residentMemory } from "./process_memory.ts";

Deno.test("a live process's peak resident set is at least its current one", async () => {
  const memory = await residentMemory(Deno.pid);
  assert.ok(memory.currentMB > 1, `current ${memory.currentMB} MB`);
  assert.ok(memory.peakMB >= memory.currentMB);
});

Deno.test("touching more memory raises the resident set and the peak with it", async () => {
  const before = await residentMemory(Deno.pid);
  const block = new Uint8Array(64 * 1024 * 1024).fill(1);
  const after = await residentMemory(Deno.pid);
  const grown = after.currentMB - before.currentMB;
  assert.ok(grown > 50, `resident set grew by ${grown} MB`);
  assert.ok(after.peakMB >= after.currentMB);
  assert.equal(block[block.length - 1], 1);
});

Deno.test("a process that is gone is reported as such", async () => {
  await assert.rejects(() => residentMemory(2 ** 22 + 1), /NotFound|No such file/);
});
