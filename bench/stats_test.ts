// Tests for bench/stats.ts.
import assert from "node:assert/strict";
import { percentile, summarize, throughputRatio } from "./stats.ts";

Deno.test("summarize takes the middle sample of an odd count", () => {
  assert.deepEqual(summarize([5, 1, 3]), { runs: 3, median: 3, min: 1, max: 5 });
});

Deno.test("summarize averages the two middle samples of an even count", () => {
  assert.deepEqual(summarize([4, 1, 2, 10]), { runs: 4, median: 3, min: 1, max: 10 });
});

Deno.test("summarize refuses an empty set of samples", () => {
  assert.throws(() => summarize([]), /zero samples/);
});

Deno.test("percentile uses the nearest rank, so p99 of 100 samples is the 99th", () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(samples, 0.99), 99);
  assert.equal(percentile(samples, 0.5), 50);
  assert.equal(percentile(samples, 1), 100);
  assert.equal(percentile([7], 0), 7);
});

Deno.test("percentile refuses a fraction outside 0..1", () => {
  assert.throws(() => percentile([1, 2], 99), /between 0 and 1/);
});

Deno.test("throughputRatio is above 1 when the measurement is faster than the baseline", () => {
  assert.equal(throughputRatio(1, 2), 2);
  assert.equal(throughputRatio(4, 2), 0.5);
});
