// The gateway's /export-center route: the page's files, its configuration, supabase-js bundled
// as an ES module for the browser, and nothing outside the page's folder.
import assert from "node:assert/strict";
import { stackEnv } from "../support/env.ts";

async function get(path: string) {
  const response = await fetch(`${stackEnv().supabaseUrl}${path}`, { redirect: "manual" });
  return { response, body: await response.text() };
}

Deno.test("the export center's page and modules are served with their content types", async () => {
  const { response, body } = await get("/export-center/");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  assert.match(body, /<script type="module" src="app.js">/);
  const app = await get("/export-center/app.js");
  assert.match(app.response.headers.get("content-type") ?? "", /^text\/javascript/);
  const redirect = await get("/export-center");
  assert.deepEqual([redirect.response.status, redirect.response.headers.get("location")], [
    308,
    "/export-center/",
  ]);
});

Deno.test("the page gets the publishable key and supabase-js as a browser module", async () => {
  const config = await get("/export-center/config.js");
  assert.equal(
    config.body.trim(),
    "export const supabaseUrl = location.origin;\n" +
      `export const publishableKey = ${JSON.stringify(stackEnv().publishableKey)};`,
  );
  const client = await get("/export-center/supabase.js");
  assert.equal(client.response.status, 200);
  assert.match(client.body, /export\s*\{[^}]*\bas createClient\b|export\s*\{[^}]*\bcreateClient\b/);
  assert.doesNotMatch(
    client.body,
    /\bfrom\s*["']npm:|import\s*\(?["']npm:/,
    "no npm: imports left",
  );
});

Deno.test("nothing outside the page's folder, nor of another kind, is served", async () => {
  for (
    const path of [
      "/export-center/..%2Fdeno.json",
      "/export-center/%2e%2e/README.md",
      "/export-center/missing.js",
      "/export-center/app.ts",
      "/export-center/.hidden.js",
    ]
  ) {
    const { response } = await get(path);
    assert.equal(response.status, 404, path);
  }
  const post = await fetch(`${stackEnv().supabaseUrl}/export-center/`, { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
});
