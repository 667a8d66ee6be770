import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { byteMeter } from "./byte_meter.ts";

Deno.test("byteMeter reports the size and sha256 of what passed through, unchanged", async () => {
  const parts = [new TextEncoder().encode("hello, "), new TextEncoder().encode("world 😀")];
  const meter = byteMeter();
  const out = await new Response(ReadableStream.from(parts).pipeThrough(meter.stream)).bytes();
  const whole = new Uint8Array([...parts[0], ...parts[1]]);
  assert.deepEqual(out, whole);
  assert.deepEqual(await meter.measurement, {
    size: whole.byteLength,
    sha256: createHash("sha256").update(whole).digest("hex"),
  });
});
