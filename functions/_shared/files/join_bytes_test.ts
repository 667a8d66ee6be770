import assert from "node:assert/strict";
import { joinBytes } from "./join_bytes.ts";

Deno.test("joinBytes puts the chunks one after another", () => {
  const joined = joinBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
  assert.deepEqual([...joined], [1, 2, 3]);
});

Deno.test("joinBytes of no chunks is empty", () => {
  assert.equal(joinBytes([]).length, 0);
});
