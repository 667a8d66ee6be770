// Tests for the plan parsing in bench/nested_plans.ts.
import assert from "node:assert/strict";
import { indexesUsed } from "./nested_plans.ts";

Deno.test("indexesUsed lists each index a plan scans once, in order", () => {
  const plan = `
    Limit  (cost=0.42..8.44 rows=1 width=8)
      ->  Index Scan Backward using exports_owner_requested_idx on exports e
    Nested Loop
      ->  Index Only Scan using usage_pkey on usage u
      ->  Index Scan using exports_owner_requested_idx on exports e2
    BitmapOr
      ->  Bitmap Index Scan on exports_scope_requested_idx`;
  assert.deepEqual(indexesUsed(plan), [
    "exports_owner_requested_idx",
    "usage_pkey",
    "exports_scope_requested_idx",
  ]);
});

Deno.test("a plan without index scans uses no index", () => {
  assert.deepEqual(indexesUsed("Seq Scan on exports  (cost=0.00..1.00 rows=1 width=8)"), []);
});
