import assert from "node:assert/strict";
import { databaseUrl, integerSetting } from "./worker_settings.ts";

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
