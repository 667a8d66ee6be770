// Tests for the bench users' ids in bench/stack.ts.
import assert from "node:assert/strict";
import { otherUserId } from "./stack.ts";

Deno.test("other user ids match bench.user_id(n): the number in the last 12 hex digits", () => {
  assert.equal(otherUserId(1), "00000000-0000-4000-9000-000000000001");
  assert.equal(otherUserId(10_000), "00000000-0000-4000-9000-000000002710");
});
