// Tests for bench/config.ts.
import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

Deno.test("with no options the issue's full sizes are used", () => {
  const config = parseConfig([]);
  assert.ok(config !== "help");
  assert.equal(config.messages, 1_000_000);
  assert.equal(config.conversations, 100_000);
  assert.equal(config.exportRows, 1_000_000);
  assert.equal(config.exportUsers, 10_000);
  assert.equal(config.queueExports, 10_000);
  assert.equal(config.smoke, false);
});

Deno.test("--smoke switches to tiny sizes and a single run", () => {
  const config = parseConfig(["--smoke"]);
  assert.ok(config !== "help");
  assert.equal(config.smoke, true);
  assert.equal(config.runs, 1);
  assert.ok(config.messages <= 10_000);
});

Deno.test("a size given on the command line overrides the mode's default", () => {
  const config = parseConfig(["--smoke", "--runs", "3", "--messages", "5000"]);
  assert.ok(config !== "help");
  assert.equal(config.runs, 3);
  assert.equal(config.messages, 5000);
});

Deno.test("a size that is not a positive whole number is refused with the usage", () => {
  assert.throws(
    () => parseConfig(["--runs", "0"]),
    /--runs must be a positive whole number.*\nusage/s,
  );
  assert.throws(() => parseConfig(["--messages", "1e3x"]), /positive whole number/);
});

Deno.test("an unknown option is refused with the usage", () => {
  assert.throws(() => parseConfig(["--fast"]), /usage: bench\/run/);
});

Deno.test("--only selects groups of figures and refuses unknown ones", () => {
  const config = parseConfig(["--only", "queue,rpc"]);
  assert.ok(config !== "help");
  assert.deepEqual(config.only, ["queue", "rpc"]);
  assert.deepEqual((parseConfig([]) as { only: string[] }).only, [
    "queue",
    "rpc",
    "exports",
    "report",
    "links",
    "beside",
    "realtime",
    "traces",
  ]);
  assert.throws(() => parseConfig(["--only", "queue,speed"]), /--only takes queue, rpc/);
});
