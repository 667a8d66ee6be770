import assert from "node:assert/strict";
import {
  budgetFor,
  databaseUrl,
  freePlanLimits,
  integerSetting,
  layoutSlotsFor,
  workerLimits,
} from "./worker_settings.ts";

const env = (values: Record<string, string>) => ({ get: (name: string) => values[name] });
const range = { min: 1, max: 16 };

Deno.test("integerSetting falls back when the variable is unset or blank", () => {
  assert.equal(integerSetting(env({}), "N", 4, range), 4);
  assert.equal(integerSetting(env({ N: " " }), "N", 4, range), 4);
});

Deno.test("integerSetting reads a whole number in range", () => {
  assert.equal(integerSetting(env({ N: "16" }), "N", 4, range), 16);
  assert.equal(integerSetting(env({ N: "1" }), "N", 4, range), 1);
});

Deno.test("integerSetting names the variable and the range when the value is wrong", () => {
  for (const raw of ["0", "17", "2.5", "four"]) {
    assert.throws(
      () => integerSetting(env({ N: raw }), "N", 4, range),
      { message: `N must be a whole number from 1 to 16; got "${raw}"` },
    );
  }
});

Deno.test("the worker's database is EXPORTS_DB_URL where set, else SUPABASE_DB_URL", () => {
  const platform = "postgresql://platform/postgres";
  const own = "postgresql://pooler/postgres";
  assert.equal(databaseUrl(env({ SUPABASE_DB_URL: platform })), platform);
  assert.equal(databaseUrl(env({ SUPABASE_DB_URL: platform, EXPORTS_DB_URL: own })), own);
  assert.equal(databaseUrl(env({ SUPABASE_DB_URL: platform, EXPORTS_DB_URL: " " })), platform);
  assert.throws(() => databaseUrl(env({})), /set EXPORTS_DB_URL/);
});

Deno.test("the worker's limits default to the Free plan's and are read from its environment", () => {
  assert.deepEqual(workerLimits(env({})), { wallClockMs: 150_000, memoryMb: 256 });
  assert.deepEqual(workerLimits(env({})), freePlanLimits);
  assert.deepEqual(
    workerLimits(env({ EXPORTS_WORKER_WALL_CLOCK_MS: "400000", EXPORTS_WORKER_MEMORY_MB: "0" })),
    { wallClockMs: 400_000, memoryMb: 0 },
  );
  assert.throws(() => workerLimits(env({ EXPORTS_WORKER_MEMORY_MB: "-1" })), /from 0/);
});

Deno.test("the budget is half the wall clock, so a claimed export has the other half", () => {
  assert.equal(budgetFor(freePlanLimits), 75_000);
  assert.equal(budgetFor({ wallClockMs: 400_000, memoryMb: 256 }), 200_000);
  assert.ok(budgetFor({ wallClockMs: 0, memoryMb: 0 }) > 0, "no wall clock: a budget still");
});

Deno.test("one XLSX or PDF export at a time fits 256 MB; more memory fits more, never zero", () => {
  assert.equal(layoutSlotsFor(256, 4), 1);
  assert.equal(layoutSlotsFor(512, 4), 4);
  assert.equal(layoutSlotsFor(400, 4), 3);
  assert.equal(layoutSlotsFor(64, 4), 1);
  assert.equal(layoutSlotsFor(0, 4), 4, "no memory limit: the concurrency alone");
});
