// A browser app calls the exports API from its own origin: the preflight gets
// a 2xx with the CORS headers, and every answer, errors included, may be read.
import assert from "node:assert/strict";
import { stackEnv } from "../support/env.ts";
import { createTestUser } from "../support/users.ts";
import { callExports } from "./_exports_helpers.ts";

Deno.test("a browser's preflight is answered 2xx with the CORS headers supabase-js needs", async () => {
  // What a browser sends before supabase.functions.invoke: no Authorization
  // (preflights never carry credentials), just what the real request will use.
  const response = await fetch(`${stackEnv().supabaseUrl}/functions/v1/exports`, {
    method: "OPTIONS",
    headers: {
      Origin: "http://localhost:3000",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization, x-client-info, apikey, content-type",
    },
  });
  await response.body?.cancel();
  assert.ok(response.ok, `the preflight is answered ${response.status}`);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  const allowed = (name: string) =>
    (response.headers.get(name) ?? "").split(",").map((value) => value.trim().toLowerCase());
  for (const header of ["authorization", "x-client-info", "apikey", "content-type"]) {
    assert.ok(allowed("access-control-allow-headers").includes(header), `${header} is allowed`);
  }
  for (const method of ["get", "post", "delete"]) {
    assert.ok(allowed("access-control-allow-methods").includes(method), `${method} is allowed`);
  }
});

Deno.test("answers and error answers alike carry Access-Control-Allow-Origin", async () => {
  const user = await createTestUser();
  const listed = await callExports(user, "", "GET");
  const refused = await callExports(user, "", "POST", { source: "conversations", format: "docx" });
  assert.deepEqual(
    [listed.status, listed.headers.get("access-control-allow-origin")],
    [200, "*"],
  );
  assert.deepEqual(
    [refused.status, refused.headers.get("access-control-allow-origin")],
    [400, "*"],
  );
});
