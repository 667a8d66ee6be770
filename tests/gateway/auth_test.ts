// The gateway's /auth/v1 routes: the JWKS that auth.getClaims() verifies ES256 sessions with,
// and GET /user, which it asks about HS256 ones, with Auth's errors.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { nowSeconds, signJwtEs256 } from "../../local-stack/gateway/jwt.ts";
import { generatePrivateJwk, loadProjectKeys } from "../../local-stack/gateway/signing_keys.ts";
import { stackEnv } from "../support/env.ts";
import { anonClient, userClient } from "../support/clients.ts";
import { createTestUser } from "../support/users.ts";

async function getUser(authorization?: string) {
  const { supabaseUrl, publishableKey } = stackEnv();
  const response = await fetch(`${supabaseUrl}/auth/v1/user`, {
    headers: { apikey: publishableKey, ...(authorization ? { authorization } : {}) },
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("the JWKS publishes the public half of the signing key, and nothing private", async () => {
  const { supabaseUrl, signingKey } = stackEnv();
  const response = await fetch(`${supabaseUrl}/auth/v1/.well-known/jwks.json`);
  assert.equal(response.status, 200);
  const { keys } = await response.json();
  const { kid, x, y } = JSON.parse(signingKey);
  assert.deepEqual(keys, [
    { kid, kty: "EC", crv: "P-256", x, y, alg: "ES256", use: "sig", key_ops: ["verify"] },
  ]);
});

Deno.test("GET /user answers the user of an ES256 or an HS256 token", async () => {
  for (const keys of ["new", "legacy"] as const) {
    const user = await createTestUser(undefined, 3600, keys);
    const answer = await getUser(`Bearer ${user.token}`);
    assert.equal(answer.status, 200, `${keys}: ${JSON.stringify(answer.body)}`);
    assert.deepEqual([answer.body.id, answer.body.email], [user.id, user.email]);
  }
});

Deno.test("GET /user refuses no token, a stranger's key, an expired token and a vanished user", async () => {
  const user = await createTestUser();
  const stranger = await loadProjectKeys(await generatePrivateJwk(), "unused");
  const exp = nowSeconds() + 60;
  const cases = {
    none: [undefined, 401, "no_authorization"],
    stranger: [await signJwtEs256({ sub: user.id, exp }, stranger.signingKey), 403, "bad_jwt"],
    expired: [(await createTestUser(undefined, -60)).token, 403, "bad_jwt"],
    vanished: [
      await signJwtEs256(
        { sub: crypto.randomUUID(), exp },
        (await loadProjectKeys(
          stackEnv().signingKey,
          stackEnv().jwtSecret,
        )).signingKey,
      ),
      403,
      "user_not_found",
    ],
  } as const;
  for (const [name, [token, status, code]] of Object.entries(cases)) {
    const answer = await getUser(token ? `Bearer ${token}` : undefined);
    assert.deepEqual([answer.status, answer.body.error_code], [status, code], name);
    assert.equal(answer.body.code, status, name);
  }
});

Deno.test("scripts/mint-jwt mints ES256 by default and HS256 on request, both accepted", async () => {
  const mintJwt = fileURLToPath(new URL("../../scripts/mint-jwt", import.meta.url));
  const email = `mint-${crypto.randomUUID()}@example.com`;
  const mint = async (...args: string[]) => {
    const { code, stdout } = await new Deno.Command(mintJwt, { args, stderr: "null" }).output();
    return { code, token: new TextDecoder().decode(stdout).trim() };
  };
  for (const [args, alg] of [[[email], "ES256"], [["--alg", "HS256", email], "HS256"]] as const) {
    const { code, token } = await mint(...args);
    assert.equal(code, 0, alg);
    const header = JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(
      token.split(".")[0],
      { alphabet: "base64url" },
    )));
    assert.equal(header.alg, alg);
    const answer = await getUser(`Bearer ${token}`);
    assert.deepEqual([answer.status, answer.body.email], [200, email], alg);
  }
  assert.equal(
    (await mint("--alg", "RS256", email)).code,
    2,
    "an unknown algorithm is a usage error",
  );
});

Deno.test("signInWithPassword gets a session whose token the API accepts; a wrong password is refused", async () => {
  const supabase = anonClient();
  const refused = await supabase.auth.signInWithPassword({
    email: "alice@example.com",
    password: "not-the-password",
  });
  assert.equal(refused.error?.status, 400);
  assert.equal(refused.error?.code, "invalid_credentials");

  const { data, error } = await supabase.auth.signInWithPassword({
    email: "alice@example.com",
    password: "password",
  });
  assert.equal(error, null);
  assert.equal(data.user?.email, "alice@example.com");
  const answer = await getUser(`Bearer ${data.session?.access_token}`);
  assert.deepEqual([answer.status, answer.body.id], [200, data.user?.id]);
  const { data: scopes } = await userClient(data.session!.access_token).rpc(
    "list_export_scopes",
  );
  assert.ok(Array.isArray(scopes), "PostgREST takes the session's token");
});

Deno.test("a refresh token is good for one new session, and none after sign-out", async () => {
  const { supabaseUrl, publishableKey } = stackEnv();
  const token = (grant: string, body: object) =>
    fetch(`${supabaseUrl}/auth/v1/token?grant_type=${grant}`, {
      method: "POST",
      headers: { apikey: publishableKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const first = await (await token("password", { email: "bob@example.com", password: "password" }))
    .json();
  const refreshed = await token("refresh_token", { refresh_token: first.refresh_token });
  assert.equal(refreshed.status, 200);
  const second = await refreshed.json();
  assert.notEqual(second.refresh_token, first.refresh_token);
  const reused = await token("refresh_token", { refresh_token: first.refresh_token });
  assert.deepEqual([reused.status, (await reused.json()).error_code], [
    400,
    "refresh_token_not_found",
  ]);

  const logout = await fetch(`${supabaseUrl}/auth/v1/logout`, {
    method: "POST",
    headers: { apikey: publishableKey, authorization: `Bearer ${second.access_token}` },
  });
  assert.equal(logout.status, 204);
  const afterLogout = await token("refresh_token", { refresh_token: second.refresh_token });
  assert.equal(afterLogout.status, 400);
  await afterLogout.body?.cancel();
});
