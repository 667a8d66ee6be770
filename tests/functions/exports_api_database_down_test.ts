// With the database out of reach, the exports API answers 503
// service_unavailable with Retry-After, as the platform (PostgREST's 503
// PGRST000/PGRST001) does, not a 500. A gateway of its own reaches Postgres
// through a TCP relay that the test cuts once the gateway has started.
import assert from "node:assert/strict";
import { stackEnv } from "../support/env.ts";
import { startTestGateway } from "../support/gateway.ts";
import { createTestUser } from "../support/users.ts";
import { userClient } from "../support/clients.ts";
import { callExportsAs } from "./_exports_helpers.ts";

/** A TCP relay to Postgres; `cut()` closes it and every connection through it. */
function startRelay(target: { hostname: string; port: number }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;
  (async () => {
    for await (const client of listener) {
      if (cut) {
        client.close();
        continue;
      }
      const server = await Deno.connect(target);
      open.add(client).add(server);
      const close = () => {
        for (const conn of [client, server]) {
          if (open.delete(conn)) conn.close();
        }
      };
      client.readable.pipeTo(server.writable).catch(() => {}).finally(close);
      server.readable.pipeTo(client.writable).catch(() => {}).finally(close);
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    cut() {
      if (cut) return;
      cut = true;
      listener.close();
      for (const conn of open) conn.close();
      open.clear();
    },
  };
}

Deno.test("with the database down the exports API and the RPCs answer 503, not 500", async () => {
  const env = stackEnv();
  const user = await createTestUser();
  const database = new URL(env.databaseUrl);
  const relay = startRelay({ hostname: database.hostname, port: Number(database.port) });
  const relayed = new URL(env.databaseUrl);
  relayed.port = String(relay.port);
  try {
    await using gateway = await startTestGateway({
      env: { SUPABASE_DB_URL: relayed.href },
    });
    const client = userClient(user.token, { url: gateway.url });
    assert.equal((await callExportsAs(client, "", "GET")).status, 200, "the API works at first");
    relay.cut();

    for (
      const [path, method, body] of [["", "GET"], ["", "POST", {
        source: "conversations",
        format: "csv",
      }]] as const
    ) {
      const answer = await callExportsAs(client, path, method, body);
      assert.equal(answer.status, 503, `${method} /exports${path}`);
      assert.deepEqual(Object.keys(answer.body), ["error"]);
      assert.equal((answer.body.error as { code: string }).code, "service_unavailable");
      assert.ok(
        Number(answer.headers.get("retry-after")) > 0,
        "Retry-After says when to come back",
      );
    }
    const { error, status } = await client.rpc("list_exports", {});
    assert.equal(status, 503, "the RPC door answers as PostgREST does without its database");
    assert.match(error?.code ?? "", /^PGRST00[01]$/);
  } finally {
    relay.cut();
  }
});
