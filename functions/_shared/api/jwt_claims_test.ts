import assert from "node:assert/strict";
import { jwtClaims } from "./jwt_claims.ts";

const withToken = (token: string) =>
  new Request("http://x", { headers: { authorization: `Bearer ${token}` } });

Deno.test("jwtClaims reads the claims of the service key", () => {
  assert.equal(
    jwtClaims(withToken(Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")!))?.role,
    "service_role",
  );
});

Deno.test("jwtClaims is null without a bearer token, or with one that is not a JWT", () => {
  assert.equal(jwtClaims(new Request("http://x")), null);
  assert.equal(jwtClaims(withToken("not.a-jwt.at-all")), null);
  assert.equal(jwtClaims(withToken(`x.${btoa("[1]")}.y`)), null);
});
