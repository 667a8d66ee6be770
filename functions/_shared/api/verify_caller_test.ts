// verifyCaller with the real supabase-js getClaims against a JWKS given in memory: every token
// here names a key of that JWKS, so no request leaves the process (the client's URL answers
// nothing, and a request to it would fail the test as a thrown Auth outage).
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { nowSeconds, signJwtEs256 } from "../../../local-stack/gateway/jwt.ts";
import { generatePrivateJwk, loadProjectKeys } from "../../../local-stack/gateway/signing_keys.ts";
import { type CallerVerifier, verifyCaller } from "./verify_caller.ts";

const project = await loadProjectKeys(await generatePrivateJwk(), "unused-secret");
const verifier: CallerVerifier = {
  auth: createClient("http://127.0.0.1:9", "sb_publishable_test", {
    auth: { persistSession: false, autoRefreshToken: false },
  }).auth,
  jwks: project.jwks,
};
const sub = crypto.randomUUID();

function request(authorization?: string): Request {
  return new Request("http://api.test/exports", {
    headers: authorization ? { authorization } : {},
  });
}

async function refusal(answer: unknown): Promise<[number, string, string]> {
  assert.ok(answer instanceof Response, "the caller is refused");
  const { error } = await answer.json();
  return [answer.status, error.code, error.message];
}

Deno.test("a session token signed with a key of the JWKS is the verified caller", async () => {
  const token = await signJwtEs256(
    { sub, role: "authenticated", exp: nowSeconds() + 60 },
    project.signingKey,
  );
  const caller = await verifyCaller(request(`Bearer ${token}`), verifier);
  assert.ok(!(caller instanceof Response));
  assert.equal(caller.claims.sub, sub);
  assert.equal(caller.token, token);
});

Deno.test("no bearer token, or an API key in its place, is told to sign in", async () => {
  for (const authorization of [undefined, "Bearer sb_publishable_test", "Basic abc"]) {
    const [status, code, message] = await refusal(
      await verifyCaller(request(authorization), verifier),
    );
    assert.deepEqual([status, code], [401, "not_signed_in"], String(authorization));
    assert.match(message, /^Sign in to use exports/);
  }
});

Deno.test("an expired token, one signed by a stranger under the same kid, and alg none are refused", async () => {
  const stranger = await loadProjectKeys(await generatePrivateJwk(), "unused-secret");
  const exp = nowSeconds() + 60;
  const expired = await signJwtEs256({ sub, exp: nowSeconds() - 1 }, project.signingKey);
  const forged = await signJwtEs256({ sub, exp }, {
    kid: project.signingKey.kid,
    privateKey: stranger.signingKey.privateKey,
  });
  const encode = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    });
  const unsigned = `${encode({ alg: "none", typ: "JWT", kid: project.signingKey.kid })}.${
    encode({ sub, role: "service_role", exp })
  }.`;
  for (const [name, token] of Object.entries({ expired, forged, unsigned })) {
    const [status, code, message] = await refusal(
      await verifyCaller(request(`Bearer ${token}`), verifier),
    );
    assert.deepEqual([status, code], [401, "not_signed_in"], name);
    assert.match(message, /^Sign in again/, name);
  }
});
