// What the exports API answers a request it cannot serve: each refusal has
// its own status and stable code, and none of them is a 500.
import assert from "node:assert/strict";
import { anonClient, userClient } from "../support/clients.ts";
import { stackEnv } from "../support/env.ts";
import { createTestUser } from "../support/users.ts";
import { callExports, callExportsAs } from "./_exports_helpers.ts";

/** The status and error code of an answer. */
function refusal(answer: { status: number; body: Record<string, unknown> }): [number, string] {
  return [answer.status, (answer.body.error as { code: string }).code];
}

/** The message of an error answer. */
function messageOf(answer: { body: Record<string, unknown> }): string {
  return (answer.body.error as { message: string }).message;
}

Deno.test("a caller with only the anon key is told to sign in", async () => {
  const anon = anonClient();
  const listed = await callExportsAs(anon, "", "GET");
  const requested = await callExportsAs(anon, "", "POST", {
    source: "conversations",
    format: "csv",
  });
  for (const answer of [listed, requested]) {
    assert.deepEqual(refusal(answer), [401, "not_signed_in"]);
    assert.match((answer.body.error as { message: string }).message, /^Sign in/);
  }
});

Deno.test("no JWT, a garbage one or an expired one gets the API's own 401 body, not the gateway's", async () => {
  const { supabaseUrl, anonKey } = stackEnv();
  const bare = await fetch(`${supabaseUrl}/functions/v1/exports`, { headers: { apikey: anonKey } });
  const answers = [
    { status: bare.status, body: await bare.json() as Record<string, unknown> },
    await callExportsAs(userClient("not.a.jwt"), "", "GET"),
    await callExportsAs(userClient((await createTestUser(undefined, -60)).token), "", "POST", {
      source: "conversations",
      format: "csv",
    }),
  ];
  for (const [index, answer] of answers.entries()) {
    assert.deepEqual(refusal(answer), [401, "not_signed_in"], `answer ${index}`);
    assert.deepEqual(Object.keys(answer.body), ["error"], `answer ${index} has one error object`);
    assert.match(messageOf(answer), /^Sign in/, `answer ${index}`);
  }
});

Deno.test("an unknown format is 400 unknown_format through the API, the EX002 an RPC caller gets", async () => {
  const user = await createTestUser();
  const answer = await callExports(user, "", "POST", { source: "conversations", format: "docx" });
  assert.deepEqual(refusal(answer), [400, "unknown_format"]);
  assert.equal(messageOf(answer), "there is no export format 'docx'");
  const { error } = await userClient(user.token).rpc("request_export", {
    source: "conversations",
    format: "docx",
  });
  assert.deepEqual([error?.code, error?.message], ["EX002", messageOf(answer)]);
});

Deno.test("a path the API does not have is a 404", async () => {
  const user = await createTestUser();
  for (const path of [`/${crypto.randomUUID()}/events`, `/${crypto.randomUUID()}/link/extra`]) {
    const answer = await callExports(user, path, "GET");
    assert.deepEqual(refusal(answer), [404, "unknown_route"], path);
    assert.equal(answer.headers.get("allow"), null, `${path} names no methods`);
  }
});

Deno.test("a method a path does not take is a 405 whose Allow names the ones it does", async () => {
  const user = await createTestUser();
  const cases = [
    ["", "DELETE", "GET, POST, OPTIONS"],
    [`/${crypto.randomUUID()}`, "PUT", "GET, DELETE, OPTIONS"],
    [`/${crypto.randomUUID()}/cancel`, "GET", "POST, OPTIONS"],
  ] as const;
  for (const [path, method, allow] of cases) {
    const answer = await callExports(user, path, method);
    assert.deepEqual(refusal(answer), [405, "method_not_allowed"], `${method} ${path}`);
    assert.equal(answer.headers.get("allow"), allow, `${method} ${path}`);
  }
});

Deno.test("a body that is not JSON is a 400 invalid_json", async () => {
  const user = await createTestUser();
  const answer = await callExports(user, "", "POST", '{"source": "conversations",');
  assert.deepEqual(refusal(answer), [400, "invalid_json"]);
});

Deno.test("an id that is not a UUID is the 404 of a missing export", async () => {
  const user = await createTestUser();
  const missing = await callExports(user, `/${crypto.randomUUID()}`, "GET");
  for (const [path, method] of [["/not-a-uuid", "GET"], ["/not-a-uuid/link", "POST"]] as const) {
    const answer = await callExports(user, path, method, method === "POST" ? {} : undefined);
    assert.deepEqual([answer.status, answer.body], [missing.status, missing.body], path);
  }
  assert.deepEqual(refusal(missing), [404, "export_not_found"]);
});
