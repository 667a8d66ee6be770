import assert from "node:assert/strict";
import { rpcErrorResponse } from "./http_errors.ts";

/** Runs `work` with console.error silenced; returns what it logged. */
function quietly<T>(work: () => T): { result: T; logged: unknown[][] } {
  const original = console.error;
  const logged: unknown[][] = [];
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    return { result: work(), logged };
  } finally {
    console.error = original;
  }
}

Deno.test("a quota error is a 429 with its stable code and the SQL core's message", async () => {
  const response = rpcErrorResponse(
    { code: "EX010", message: "at most 3 exports may be queued" },
    400,
  );
  assert.equal(response.status, 429);
  assert.deepEqual(await response.json(), {
    error: { code: "too_many_active_exports", message: "at most 3 exports may be queued" },
  });
});

Deno.test("a missing or foreign export is the same 404", async () => {
  const response = rpcErrorResponse({ code: "EX020", message: "export not found" }, 400);
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error.code, "export_not_found");
});

Deno.test("a caller with only the anon key is told to sign in", async () => {
  // PostgREST's answer when the anon role may not execute the RPC.
  const response = rpcErrorResponse(
    { code: "42501", message: "permission denied for function request_export" },
    401,
  );
  assert.equal(response.status, 401);
  const { error } = await response.json();
  assert.equal(error.code, "not_signed_in");
  assert.match(error.message, /^Sign in/);
  assert.doesNotMatch(error.message, /request_export/);
});

Deno.test("a signed-in caller refused a privilege is a 500, not a request to sign in", async () => {
  const { result: response, logged } = quietly(() =>
    rpcErrorResponse({ code: "42501", message: "permission denied for table secret" }, 403)
  );
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), {
    error: { code: "internal_error", message: "internal error" },
  });
  assert.equal(logged.length, 1, "the refusal is logged");
});

Deno.test("an expired, invalid or missing JWT is a 401 asking to sign in again", async () => {
  for (const code of ["PGRST301", "PGRST302", "PGRST303"]) {
    const response = rpcErrorResponse({ code, message: "JWT expired" }, 401);
    assert.equal(response.status, 401, code);
    const { error } = await response.json();
    assert.deepEqual([error.code, error.message], [
      "not_signed_in",
      "Sign in again: the session is missing or expired.",
    ], code);
  }
});

Deno.test("an invalid source registration is its own 500 that keeps its message in the log", async () => {
  const message = "rows function app.rows(jsonb) must be security invoker";
  const { result: response, logged } = quietly(() =>
    rpcErrorResponse({ code: "EX030", message }, 400)
  );
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), {
    error: { code: "invalid_source", message: "internal error" },
  });
  assert.ok(JSON.stringify(logged).includes(message), "the message goes to the log");
});

Deno.test("an unknown error is a 500 that shows nothing of it", async () => {
  const { result: response } = quietly(() =>
    rpcErrorResponse({ code: "42P01", message: 'relation "secret" does not exist' }, 404)
  );
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), {
    error: { code: "internal_error", message: "internal error" },
  });
});

Deno.test("a code named like an object property is not mistaken for a known one", async () => {
  const { result: response } = quietly(() => rpcErrorResponse({ code: "constructor" }, 400));
  assert.equal(response.status, 500);
  assert.equal((await response.json()).error.code, "internal_error");
});

Deno.test("the service-role key is told the API is for users, not asked to sign in", async () => {
  const response = rpcErrorResponse(
    { code: "42501", message: "permission denied for function list_exports" },
    403,
    { role: "service_role" },
  );
  assert.equal(response.status, 403);
  assert.equal((await response.json()).error.code, "user_token_required");
});

Deno.test("a token whose role or sub names nobody is a 401", async () => {
  const role = rpcErrorResponse({ code: "22023", message: 'role "x" does not exist' }, 401);
  assert.deepEqual([role.status, (await role.json()).error.code], [401, "not_signed_in"]);
  const sub = rpcErrorResponse(
    { code: "22P02", message: "invalid input syntax for type uuid" },
    400,
    { role: "authenticated", sub: "not-a-uuid" },
  );
  assert.deepEqual([sub.status, (await sub.json()).error.code], [401, "unknown_user"]);
});

Deno.test("PostgREST's 503 without its database is a 503 with Retry-After", async () => {
  const { result: response } = quietly(() =>
    rpcErrorResponse({ code: "PGRST000", message: "Database connection error." }, 503)
  );
  assert.equal(response.status, 503);
  assert.equal((await response.json()).error.code, "service_unavailable");
  assert.ok(Number(response.headers.get("retry-after")) > 0);
});
