// The gateway's /rest/v1/rpc with supabase.rpc(): the caller's role and claims reach the function,
// results are shaped as PostgREST shapes them, and errors carry PostgREST's codes and statuses.
import assert from "node:assert/strict";
import postgres from "postgres";
import { anonClient, serviceClient, userClient } from "../support/clients.ts";
import { withDb } from "../support/db.ts";
import { stackEnv } from "../support/env.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { createTestUser } from "../support/users.ts";
import { signJwt } from "../../local-stack/gateway/jwt.ts";
import { fixtureConfig } from "./fixture.ts";

const schema = "gateway_fixture";

/** Runs `body` with the gateway_fixture schema's functions in place; drops them afterwards. */
async function withFixtureSchema(body: (gateway: TestGateway) => Promise<void>) {
  const sql = postgres(stackEnv().databaseUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`
    drop schema if exists gateway_fixture cascade;
    create schema gateway_fixture;
    grant usage on schema gateway_fixture to anon, authenticated, service_role;
    create function gateway_fixture.whoami() returns uuid language sql as 'select auth.uid()';
    create function gateway_fixture.add(a int, b int default 10) returns int
      language sql as 'select a + b';
    create function gateway_fixture.squares(n int) returns table (i int, square int)
      language sql as 'select i, i * i from generate_series(1, n) as i';
    create function gateway_fixture.pair(out id int, out label text)
      language sql as $$select 7, 'seven'$$;
    create type gateway_fixture.named as (id int, label text);
    create function gateway_fixture.no_pair() returns gateway_fixture.named
      language sql as 'select null::gateway_fixture.named';
    create function gateway_fixture.no_document() returns jsonb language sql as 'select null::jsonb';
    create function gateway_fixture.fail(code text, message text) returns void language plpgsql
      as 'begin raise exception using errcode = code, message = message, detail = ''d'', hint = ''h''; end';
    create function gateway_fixture.service_only() returns text language sql as $$select 'ok'$$;
    revoke execute on function gateway_fixture.service_only() from public, anon, authenticated;
    grant execute on function gateway_fixture.service_only() to service_role;
    create table gateway_fixture.calls (called_as text not null);
    grant insert on gateway_fixture.calls to public;
    create function gateway_fixture.record_call() returns void
      language sql as 'insert into gateway_fixture.calls values (current_user)';
  `);
  try {
    await using gateway = await startTestGateway({ config: fixtureConfig });
    await body(gateway);
  } finally {
    await sql`drop schema if exists gateway_fixture cascade`;
    await sql.end();
  }
}

Deno.test("rpc with a user JWT runs as that user: auth.uid() is the token's sub", async () => {
  await withFixtureSchema(async (gateway) => {
    const user = await createTestUser();
    const { data, error } = await userClient(user.token, { url: gateway.url, schema }).rpc(
      "whoami",
    );
    assert.equal(error, null);
    assert.equal(data, user.id);
  });
});

Deno.test("rpc with the anon key only runs as anon: auth.uid() is null", async () => {
  await withFixtureSchema(async (gateway) => {
    const { data, error } = await anonClient({ url: gateway.url, schema }).rpc("whoami");
    assert.equal(error, null);
    assert.equal(data, null);
  });
});

Deno.test("rpc passes named arguments and applies defaults", async () => {
  await withFixtureSchema(async (gateway) => {
    const client = anonClient({ url: gateway.url, schema });
    assert.equal((await client.rpc("add", { a: 1, b: 2 })).data, 3);
    assert.equal((await client.rpc("add", { a: 1 })).data, 11);
  });
});

Deno.test("rpc answers a set-returning function with an array of rows", async () => {
  await withFixtureSchema(async (gateway) => {
    const { data } = await anonClient({ url: gateway.url, schema }).rpc("squares", { n: 3 });
    assert.deepEqual(data, [{ i: 1, square: 1 }, { i: 2, square: 4 }, { i: 3, square: 9 }]);
  });
});

Deno.test("rpc answers a function returning one composite with an object", async () => {
  await withFixtureSchema(async (gateway) => {
    const { data } = await anonClient({ url: gateway.url, schema }).rpc("pair");
    assert.deepEqual(data, { id: 7, label: "seven" });
  });
});

// PostgREST selects `pgrst_call.*` from the call, which expands a null composite into a row of
// nulls (PostgREST/postgrest#3694); a scalar that is null is answered as null.
Deno.test("rpc answers a null composite with an object of nulls and a null scalar with null, as PostgREST", async () => {
  await withFixtureSchema(async (gateway) => {
    const client = anonClient({ url: gateway.url, schema });
    assert.deepEqual((await client.rpc("no_pair")).data, { id: null, label: null });
    const scalar = await client.rpc("no_document");
    assert.deepEqual([scalar.error, scalar.status, scalar.data], [null, 200, null]);
  });
});

Deno.test("rpc maps raised SQLSTATEs to PostgREST's statuses and error body", async () => {
  await withFixtureSchema(async (gateway) => {
    const client = anonClient({ url: gateway.url, schema });
    const cases = [["P0001", 400], ["23505", 409], ["PT402", 402], ["EX001", 400], ["XX000", 500]];
    for (const [code, status] of cases) {
      const { error, status: actual } = await client.rpc("fail", {
        code,
        message: `failed ${code}`,
      });
      assert.equal(actual, status, `${code} answers ${status}`);
      assert.deepEqual(error, { code, message: `failed ${code}`, details: "d", hint: "h" });
    }
  });
});

Deno.test("rpc answers missing privileges with 401 for anon and 403 for a user", async () => {
  await withFixtureSchema(async (gateway) => {
    const user = await createTestUser();
    const asAnon = await anonClient({ url: gateway.url, schema }).rpc("service_only");
    const asUser = await userClient(user.token, { url: gateway.url, schema }).rpc("service_only");
    const asService = await serviceClient({ url: gateway.url, schema }).rpc("service_only");
    assert.equal(asAnon.status, 401);
    assert.equal(asAnon.error?.code, "42501");
    assert.equal(asUser.status, 403);
    assert.equal(asService.data, "ok");
  });
});

Deno.test("rpc of an unknown function or argument answers 404 PGRST202", async () => {
  await withFixtureSchema(async (gateway) => {
    const client = anonClient({ url: gateway.url, schema });
    const unknownFunction = await client.rpc("nope");
    const unknownArgument = await client.rpc("add", { a: 1, c: 2 });
    assert.equal(unknownFunction.status, 404);
    assert.equal(unknownFunction.error?.code, "PGRST202");
    assert.equal(unknownArgument.error?.code, "PGRST202");
  });
});

Deno.test("rpc refuses an invalid JWT with 401 PGRST301", async () => {
  await withFixtureSchema(async (gateway) => {
    const { status, error } = await userClient("not.a.jwt", { url: gateway.url, schema }).rpc(
      "whoami",
    );
    assert.equal(status, 401);
    assert.equal(error?.code, "PGRST301");
  });
});

Deno.test("rpc whose role cannot be set runs nothing, not even as the gateway's own role", async () => {
  await withFixtureSchema(async (gateway) => {
    // Signed with the project's secret, so only setting the role can fail.
    const token = await signJwt(
      { role: "no_such_role", sub: crypto.randomUUID() },
      stackEnv().jwtSecret,
    );
    const { error } = await userClient(token, { url: gateway.url, schema }).rpc("record_call");
    assert.equal(error?.code, "22023", `expected the role's error, got ${JSON.stringify(error)}`);
    assert.match(error.message, /no_such_role/);
    const calls = await withDb((sql) => sql`select called_as from gateway_fixture.calls`);
    assert.deepEqual([...calls], [], "the call ran although its role could not be set");
  });
});

Deno.test("rpc keeps argument values out of the SQL text", async () => {
  await withFixtureSchema(async (gateway) => {
    const { data, error } = await anonClient({ url: gateway.url, schema }).rpc("fail", {
      code: "P0001",
      message: "x'); drop schema gateway_fixture cascade; --",
    });
    assert.equal(data, null);
    assert.equal(error?.message, "x'); drop schema gateway_fixture cascade; --");
    const [{ exists }] = await withDb((sql) =>
      sql`select exists (select from pg_namespace where nspname = ${schema})`
    );
    assert.equal(exists, true);
  });
});

Deno.test("a function changed after its first call is called as it is now (NOTIFY pgrst)", async () => {
  await withFixtureSchema(async (gateway) => {
    const client = userClient((await createTestUser()).token, { url: gateway.url, schema });
    assert.deepEqual((await client.rpc("add", { a: 1 })).data, 11);
    // The event trigger of local-stack/platform/05_schema_cache.sql notifies the
    // gateway, which forgets the old signature.
    await withDb((sql) =>
      sql.unsafe(`
        drop function gateway_fixture.add(int, int);
        create function gateway_fixture.add(a int, times int) returns int
          language sql as 'select a * times';
      `)
    );
    // The notification arrives asynchronously, as it does for PostgREST.
    let result = await client.rpc("add", { a: 3, times: 5 });
    for (let attempt = 0; attempt < 50 && result.error; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      result = await client.rpc("add", { a: 3, times: 5 });
    }
    assert.equal(result.error, null);
    assert.equal(result.data, 15);
  });
});

Deno.test("rpc takes today's keys: publishable with a user's ES256 token, secret as service_role", async () => {
  await withFixtureSchema(async (gateway) => {
    const user = await createTestUser();
    assert.match(user.token, /^eyJhbGciOiJFUzI1Ni/, "the default test token is ES256");
    const asUser = await userClient(user.token, { url: gateway.url, schema }).rpc("whoami");
    assert.deepEqual([asUser.error, asUser.data], [null, user.id]);
    const asService = await serviceClient({ url: gateway.url, schema }).rpc("service_only");
    assert.deepEqual([asService.error, asService.data], [null, "ok"]);
    const asAnon = await anonClient({ url: gateway.url, schema }).rpc("service_only");
    assert.equal(asAnon.error?.code, "42501", "the publishable key alone is the anon role");
  });
});

Deno.test("rpc takes the legacy keys with an HS256 user token", async () => {
  await withFixtureSchema(async (gateway) => {
    const user = await createTestUser(undefined, 3600, "legacy");
    const options = { url: gateway.url, schema, keys: "legacy" as const };
    const asUser = await userClient(user.token, options).rpc("whoami");
    assert.deepEqual([asUser.error, asUser.data], [null, user.id]);
    const asService = await serviceClient(options).rpc("service_only");
    assert.deepEqual([asService.error, asService.data], [null, "ok"]);
  });
});

Deno.test("an sb_ key the project does not have is the gateway's 401 Invalid API key", async () => {
  const { supabaseUrl } = stackEnv();
  const headerSets: Record<string, string>[] = [
    { apikey: "sb_secret_not-the-projects" },
    { apikey: stackEnv().publishableKey, authorization: "Bearer sb_secret_not-the-projects" },
  ];
  for (const headers of headerSets) {
    const response = await fetch(`${supabaseUrl}/rest/v1/rpc/list_exports`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      message: "Invalid API key",
      hint: "Double check your API key.",
    });
  }
});
