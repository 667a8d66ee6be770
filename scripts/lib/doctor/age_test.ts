import assert from "node:assert/strict";
import { formatAge } from "./age.ts";

Deno.test("formatAge uses the largest whole unit that reads well", () => {
  assert.equal(formatAge(-3), "0 s");
  assert.equal(formatAge(45.9), "45 s");
  assert.equal(formatAge(119), "119 s");
  assert.equal(formatAge(180), "3 min");
  assert.equal(formatAge(3 * 3600), "3 h");
  assert.equal(formatAge(3 * 86400), "3 days");
});
