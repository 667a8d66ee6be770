import assert from "node:assert/strict";
import { rpcErrorResponse } from "./http_errors.ts";

Deno.test("a quota error is a 429 with its stable code and the SQL core's message", async () => {
  const response = rpcErrorResponse({ code: "EX010", message: "at most 3 exports may be queued" });
  assert.equal(response.status, 429);
  assert.deepEqual(await response.json(), {
    error: { code: "too_many_active_exports", message: "at most 3 exports may be queued" },
  });
});

Deno.test("a missing or foreign export is the same 404", async () => {
  const response = rpcErrorResponse({ code: "EX020", message: "export not found" });
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error.code, "export_not_found");
});

Deno.test("an unknown error is a 500 that shows nothing of it", async () => {
  const original = console.error;
  console.error = () => {};
  try {
    const response = rpcErrorResponse({
      code: "42P01",
      message: 'relation "secret" does not exist',
    });
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), {
      error: { code: "internal_error", message: "internal error" },
    });
  } finally {
    console.error = original;
  }
});
