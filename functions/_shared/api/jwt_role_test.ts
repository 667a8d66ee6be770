import assert from "node:assert/strict";
import { jwtRole } from "./jwt_role.ts";

const withToken = (token: string) =>
  new Request("http://x", { headers: { authorization: `Bearer ${token}` } });

Deno.test("jwtRole reads the role claim of the service key", () => {
  assert.equal(jwtRole(withToken(Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")!)), "service_role");
});

Deno.test("jwtRole reads the role claim of the anon key", () => {
  assert.equal(jwtRole(withToken(Deno.env.get("SUPABASE_ANON_KEY")!)), "anon");
});

Deno.test("jwtRole is null without a bearer token or with garbage", () => {
  assert.equal(jwtRole(new Request("http://x")), null);
  assert.equal(jwtRole(withToken("not.a-jwt.at-all")), null);
});
