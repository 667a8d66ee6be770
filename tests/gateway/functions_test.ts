// The gateway's /functions/v1: functions run from their own code, with the hosted environment,
// behind the hosted gateway's JWT check when verify_jwt says so, proxied without buffering.
import assert from "node:assert/strict";
import { FunctionsHttpError } from "@supabase/supabase-js";
import { stackEnv } from "../support/env.ts";
import { anonClient, userClient } from "../support/clients.ts";
import { createTestUser } from "../support/users.ts";
import { startTestGateway } from "../support/gateway.ts";
import { signJwt, signJwtEs256 } from "../../local-stack/gateway/jwt.ts";
import { generatePrivateJwk, loadProjectKeys } from "../../local-stack/gateway/signing_keys.ts";
import { eventually, fixtureConfig } from "./fixture.ts";

Deno.test("a function with verify_jwt false runs for a caller without a JWT", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const response = await fetch(`${gateway.url}/functions/v1/echo/sub/path?x=1`, {
    method: "POST",
    body: "hello",
  });
  const echoed = await response.json();
  assert.deepEqual(response.status, 200);
  assert.deepEqual(echoed.path, "/echo/sub/path");
  assert.deepEqual(echoed.method, "POST");
  assert.deepEqual(echoed.body, "hello");
});

Deno.test("a function gets the platform environment with the gateway's own URL", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const { data, error } = await anonClient({ url: gateway.url }).functions.invoke("echo");
  const env = stackEnv();
  assert.deepEqual(error, null);
  assert.deepEqual(data.env, {
    SUPABASE_URL: gateway.url,
    SUPABASE_ANON_KEY: env.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: env.serviceRoleKey,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: env.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: env.secretKey }),
    SUPABASE_JWKS: JSON.stringify((await loadProjectKeys(env.signingKey, env.jwtSecret)).jwks),
    SUPABASE_DB_URL: env.databaseUrl,
    SUPABASE_JWT_SECRET: env.jwtSecret,
  });
});

Deno.test("a function with verify_jwt true runs for a valid user JWT", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const user = await createTestUser();
  const { data, error } = await userClient(user.token, { url: gateway.url }).functions
    .invoke("protected");
  assert.deepEqual(error, null);
  assert.deepEqual(data, { reached: true });
});

Deno.test("verify_jwt takes an HS256 session too, and refuses a stranger's ES256 key or an API key", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const legacy = await createTestUser(undefined, 3600, "legacy");
  const accepted = await userClient(legacy.token, { url: gateway.url, keys: "legacy" }).functions
    .invoke("protected");
  assert.deepEqual([accepted.error, accepted.data], [null, { reached: true }]);
  const stranger = (await loadProjectKeys(await generatePrivateJwk(), "unused")).signingKey;
  const forged = await signJwtEs256({ sub: legacy.id, role: "authenticated" }, stranger);
  for (const token of [forged, stackEnv().secretKey]) {
    const response = await fetch(`${gateway.url}/functions/v1/protected`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(response.status, 401);
    assert.deepEqual((await response.json()).message, "Invalid JWT");
  }
});

Deno.test("verify_jwt refuses a request without Authorization as the hosted gateway does", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const response = await fetch(`${gateway.url}/functions/v1/protected`, { method: "POST" });
  assert.deepEqual(response.status, 401);
  assert.deepEqual(await response.json(), {
    code: "UNAUTHORIZED_NO_AUTH_HEADER",
    message: "Missing authorization header",
  });
});

Deno.test("verify_jwt refuses tampered and expired JWTs", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const { jwtSecret } = stackEnv();
  const expired = await signJwt({ role: "authenticated", exp: 1 }, jwtSecret);
  const forged = await signJwt({ role: "service_role" }, "not-the-project-secret-at-all-000000");
  for (const token of [expired, forged, "not.a.jwt"]) {
    const response = await fetch(`${gateway.url}/functions/v1/protected`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(response.status, 401);
    assert.deepEqual(await response.json(), {
      code: "UNAUTHORIZED_INVALID_JWT_FORMAT",
      message: "Invalid JWT",
    });
  }
});

Deno.test("supabase-js sees a refused call as a FunctionsHttpError with status 401", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const { jwtSecret } = stackEnv();
  const expired = await signJwt({ role: "authenticated", exp: 1 }, jwtSecret);
  const { error } = await userClient(expired, { url: gateway.url }).functions.invoke("protected");
  assert(error instanceof FunctionsHttpError);
  assert.deepEqual(error.context.status, 401);
  await error.context.body?.cancel();
});

Deno.test("an undeclared function is answered 404 NOT_FOUND", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const response = await fetch(`${gateway.url}/functions/v1/nope`, { method: "POST" });
  assert.deepEqual(response.status, 404);
  assert.deepEqual((await response.json()).code, "NOT_FOUND");
});

Deno.test("EdgeRuntime.waitUntil work completes after the response was sent", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const file = await Deno.makeTempFile();
  await Deno.remove(file);
  const { data } = await anonClient({ url: gateway.url }).functions.invoke("wait-until", {
    body: { file },
  });
  assert.deepEqual(data, { accepted: true });
  await eventually("the waitUntil work to write its file", async () => {
    return await Deno.readTextFile(file).then((text) => text === "done", () => false);
  });
  await Deno.remove(file);
});

Deno.test("a streamed response reaches the caller chunk by chunk, not buffered", async () => {
  await using gateway = await startTestGateway({ config: fixtureConfig });
  const response = await fetch(`${gateway.url}/functions/v1/stream`, { method: "POST" });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  // The function only finishes after /release; a buffering gateway would hang here.
  assert.deepEqual((await reader.read()).value, "first\n");
  const release = await fetch(`${gateway.url}/functions/v1/stream/release`, { method: "POST" });
  assert.deepEqual(await release.text(), "released");
  let rest = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    rest += chunk.value;
  }
  assert.deepEqual(rest, "last\n");
});
