// The exports API verifies its caller itself (verify_jwt is off): an ES256 session token checked
// against the JWKS and an HS256 one checked by Auth are served; a token signed by another key, an
// unsigned one and an expired one get the API's own 401 not_signed_in.
import assert from "node:assert/strict";
import { nowSeconds, signJwtEs256 } from "../../local-stack/gateway/jwt.ts";
import { generatePrivateJwk, loadProjectKeys } from "../../local-stack/gateway/signing_keys.ts";
import { userClient } from "../support/clients.ts";
import { createTestUser, stackSigningKey } from "../support/users.ts";
import { callExports, callExportsAs } from "./_exports_helpers.ts";

Deno.test("the API serves a user with an ES256 token and one with an HS256 token", async () => {
  for (const keys of ["new", "legacy"] as const) {
    const user = await createTestUser(undefined, 3600, keys);
    const answer = await callExports(user, "", "GET");
    assert.equal(answer.status, 200, `${keys}: ${JSON.stringify(answer.body)}`);
  }
});

Deno.test("the API refuses a token signed by another key, alg none and an expired token", async () => {
  const user = await createTestUser();
  const exp = nowSeconds() + 600;
  const claims = { sub: user.id, role: "authenticated", aud: "authenticated", exp };
  const stranger = (await loadProjectKeys(await generatePrivateJwk(), "unused")).signingKey;
  const ours = await stackSigningKey();
  const encode = (value: unknown) =>
    new TextEncoder().encode(JSON.stringify(value)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    });
  const tokens = {
    "another key": await signJwtEs256(claims, stranger),
    "another key under our kid": await signJwtEs256(claims, { ...stranger, kid: ours.kid }),
    "alg none": `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`,
    "alg none under our kid": `${encode({ alg: "none", typ: "JWT", kid: ours.kid })}.${
      encode(claims)
    }.`,
    "expired": await signJwtEs256({ ...claims, exp: nowSeconds() - 1 }, ours),
  };
  for (const [name, token] of Object.entries(tokens)) {
    const answer = await callExportsAs(userClient(token), "", "GET");
    assert.equal(answer.status, 401, `${name}: ${JSON.stringify(answer.body)}`);
    assert.deepEqual(Object.keys(answer.body), ["error"], name);
    assert.equal((answer.body.error as { code: string }).code, "not_signed_in", name);
  }
});
