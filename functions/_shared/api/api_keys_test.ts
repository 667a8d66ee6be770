import assert from "node:assert/strict";
import { publishableKey, secretKey } from "./api_keys.ts";

const reader = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("today's keys win over the legacy ones, by their default name", () => {
  const env = reader({
    SUPABASE_PUBLISHABLE_KEYS: '{"web": "sb_publishable_w", "default": "sb_publishable_d"}',
    SUPABASE_SECRET_KEYS: '{"default": "sb_secret_d"}',
    SUPABASE_ANON_KEY: "legacy-anon",
    SUPABASE_SERVICE_ROLE_KEY: "legacy-service",
  });
  assert.equal(publishableKey(env), "sb_publishable_d");
  assert.equal(secretKey(env), "sb_secret_d");
});

Deno.test("a map without a default key gives its first", () => {
  const env = reader({ SUPABASE_SECRET_KEYS: '{"worker": "sb_secret_w"}' });
  assert.equal(secretKey(env), "sb_secret_w");
});

Deno.test("without today's keys the legacy ones serve", () => {
  const env = reader({ SUPABASE_ANON_KEY: "legacy-anon", SUPABASE_SERVICE_ROLE_KEY: "legacy" });
  assert.equal(publishableKey(env), "legacy-anon");
  assert.equal(secretKey(env), "legacy");
});

Deno.test("no key at all, or a map that is not one, is an error that names the variable", () => {
  assert.throws(() => publishableKey(reader({})), /SUPABASE_ANON_KEY is not set/);
  assert.throws(
    () => secretKey(reader({ SUPABASE_SECRET_KEYS: '"sb_secret_x"' })),
    /SUPABASE_SECRET_KEYS is not a JSON object/,
  );
});
