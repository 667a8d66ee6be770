import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { crc32 } from "./crc32.ts";
import { deflateBound, deflateWindowBytes, DeflateWindows } from "./deflate_window.ts";

Deno.test("deflateBound holds for bytes deflate cannot shrink, flushed or final", () => {
  for (
    const size of [0, 1, 100, 4096, 65_535, 65_536, deflateWindowBytes, 3 * deflateWindowBytes + 7]
  ) {
    const bytes = randomBytes(size);
    for (const level of [3, 6]) {
      for (const flush of [zlib.constants.Z_SYNC_FLUSH, zlib.constants.Z_FINISH]) {
        const deflated = zlib.deflateRawSync(bytes, { level, finishFlush: flush });
        assert.ok(deflated.length <= deflateBound(size), `${size} bytes took ${deflated.length}`);
      }
    }
  }
});

Deno.test("a deflate stream continued from its state by another writer inflates to the input", () => {
  const chunks: Uint8Array[] = [];
  const input = Array.from(
    { length: 5000 },
    (_, i) => new TextEncoder().encode(`row ${i} ${"x".repeat(i % 300)}\n`),
  );
  const first = new DeflateWindows(6, (bytes) => chunks.push(bytes));
  for (const row of input.slice(0, 2000)) first.write(row);
  first.flush();
  const state = JSON.parse(JSON.stringify(first.state));
  const second = new DeflateWindows(6, (bytes) => chunks.push(bytes), state);
  for (const row of input.slice(2000)) second.write(row);
  second.finish();
  const whole = Buffer.concat(input);
  assert.deepEqual(zlib.inflateRawSync(Buffer.concat(chunks)), whole);
  assert.equal(second.state.size, whole.length);
  assert.equal(second.state.crc, crc32(whole, 0));
  assert.equal(second.state.compressed, Buffer.concat(chunks).length);
  assert.ok(second.state.compressed < whole.length / 5, "windows of 256 KiB still compress");
});

Deno.test("text is written as UTF-8, a row longer than the window included", () => {
  const chunks: Uint8Array[] = [];
  const windows = new DeflateWindows(3, (bytes) => chunks.push(bytes));
  const long = "größe ".repeat(deflateWindowBytes / 2);
  assert.equal(windows.writeText("a"), 1);
  assert.equal(windows.writeText(long), new TextEncoder().encode(long).length);
  windows.finish();
  assert.equal(new TextDecoder().decode(zlib.inflateRawSync(Buffer.concat(chunks))), "a" + long);
});
