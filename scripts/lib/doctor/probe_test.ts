import assert from "node:assert/strict";
import { stackEnv } from "../../../tests/support/env.ts";
import { probeWorkerUrl } from "./probe.ts";

Deno.test("probe: the local stack's worker answers a request without credentials", async () => {
  const url = `${stackEnv().supabaseUrl}/functions/v1/exports-worker`;
  const finding = await probeWorkerUrl(url);
  assert.equal(finding.severity, "ok", finding.message);
  assert.match(finding.message, /answers \(HTTP 4\d\d/);
});

Deno.test("probe: a URL where nothing listens is found", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const finding = await probeWorkerUrl(`http://127.0.0.1:${port}/functions/v1/exports-worker`);
  assert.equal(finding.severity, "fail");
  assert.match(finding.message, /does not answer/);
  assert.match(finding.fix ?? "", /supabase functions deploy exports-worker/);
});

Deno.test("probe: a server error is found", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("boot error", { status: 503 }),
  );
  try {
    const finding = await probeWorkerUrl(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /answers HTTP 503/);
  } finally {
    await server.shutdown();
  }
});
