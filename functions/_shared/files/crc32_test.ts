// Both CRC-32 implementations against the standard check value and each other.
import assert from "node:assert/strict";
import { crc32, crc32Portable } from "./crc32.ts";

const check = new TextEncoder().encode("123456789");

for (
  const [name, implementation] of [["crc32", crc32], ["crc32Portable", crc32Portable]] as const
) {
  Deno.test(`${name} gives the CRC-32 check value, whole or in pieces`, () => {
    assert.equal(implementation(check, 0), 0xcbf43926);
    assert.equal(
      implementation(check.subarray(4), implementation(check.subarray(0, 4), 0)),
      0xcbf43926,
    );
    assert.equal(implementation(new Uint8Array(0), 0), 0);
  });
}

Deno.test("the portable CRC-32 agrees with the one in use on random bytes", () => {
  const bytes = crypto.getRandomValues(new Uint8Array(65_536));
  assert.equal(crc32Portable(bytes, 0), crc32(bytes, 0));
});
