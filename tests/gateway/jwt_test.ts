// The gateway's HS256 tokens: what it signs it accepts, and it refuses, with the reason Storage and
// PostgREST report, every token that is forged, expired or not a JWT at all.
import assert from "node:assert/strict";
import { JwtError, nowSeconds, signJwt, verifyJwt } from "../../local-stack/gateway/jwt.ts";

const secret = "super-secret-jwt-token-with-at-least-32-characters-long";

/** Runs verifyJwt and returns the reason it refused the token. */
async function refusal(token: string, key = secret): Promise<JwtError["reason"]> {
  const error = await verifyJwt(token, key).then(() => null, (error) => error);
  assert.ok(error instanceof JwtError, `expected a JwtError, got ${error}`);
  return error.reason;
}

/** Encodes `value` as a base64url JWT segment. */
function segment(value: unknown): string {
  return new TextEncoder().encode(JSON.stringify(value)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

Deno.test("a signed token verifies to its claims, with iat added", async () => {
  const claims = { sub: "b7a4c5d0-0000-4000-8000-000000000001", role: "authenticated", n: "ü✓" };
  const verified = await verifyJwt(await signJwt(claims, secret), secret);
  assert.deepEqual({ ...verified, iat: undefined }, { ...claims, iat: undefined });
  assert.ok(Math.abs((verified.iat as number) - nowSeconds()) <= 1);
});

Deno.test("tokens are base64url without padding, as jsonwebtoken makes them", async () => {
  // Claims whose JSON encodes to '+', '/' and '=' in plain base64.
  const token = await signJwt({ sub: "??>>", pad: "x" }, secret);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
});

Deno.test("a token signed with another secret is refused as a bad signature", async () => {
  const token = await signJwt({ role: "service_role" }, "another-secret-another-secret-another");
  assert.equal(await refusal(token), "signature");
});

Deno.test("a token whose claims were changed after signing is refused", async () => {
  const [header, , signature] = (await signJwt({ role: "anon" }, secret)).split(".");
  const forged = `${header}.${segment({ role: "service_role", iat: nowSeconds() })}.${signature}`;
  assert.equal(await refusal(forged), "signature");
});

Deno.test("an expired token is refused as expired; one expiring later is accepted", async () => {
  assert.equal(await refusal(await signJwt({ exp: nowSeconds() - 1 }, secret)), "expired");
  await verifyJwt(await signJwt({ exp: nowSeconds() + 60 }, secret), secret);
});

Deno.test("tokens that are not HS256 JWTs are refused as malformed", async () => {
  const valid = await signJwt({ role: "anon" }, secret);
  const [, payload, signature] = valid.split(".");
  for (
    const token of [
      "",
      "abc",
      "a.b",
      `${valid}.extra`,
      valid.replace(".", ".$"),
      `${segment({ alg: "none", typ: "JWT" })}.${payload}.`,
      `${segment({ alg: "HS512", typ: "JWT" })}.${payload}.${signature}`,
      `${segment({ alg: "HS256" })}.${segment("a string")}.${signature}`,
      `${segment({ alg: "HS256" })}.${btoa("not json")}.${signature}`,
    ]
  ) {
    assert.equal(await refusal(token), "malformed", token);
  }
});

Deno.test("each secret verifies with its own key when one process knows several", async () => {
  const other = "a-second-secret-of-at-least-32-characters!";
  const first = await signJwt({ n: 1 }, secret);
  const second = await signJwt({ n: 2 }, other);
  assert.equal((await verifyJwt(first, secret)).n, 1);
  assert.equal((await verifyJwt(second, other)).n, 2);
  assert.equal(await refusal(first, other), "signature");
  assert.equal(await refusal(second, secret), "signature");
});
