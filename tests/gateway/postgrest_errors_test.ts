import assert from "node:assert/strict";
import {
  connectionFailure,
  httpStatusForSqlState,
} from "../../local-stack/gateway/postgrest_errors.ts";

Deno.test("a JWT role that does not exist is a 401, other 22023s a 400, as in PostgREST", () => {
  assert.equal(httpStatusForSqlState("22023", true, 'role "nope" does not exist'), 401);
  assert.equal(httpStatusForSqlState("22023", true, "invalid value for parameter"), 400);
  assert.equal(httpStatusForSqlState("57P01", true), 503);
});

Deno.test("a database out of reach is PostgREST's 503 PGRST000, a lost connection PGRST001", async () => {
  const refused = connectionFailure(Object.assign(new Error("connect ECONNREFUSED"), {
    code: "ECONNREFUSED",
  }));
  assert.equal(refused?.status, 503);
  assert.equal((await refused?.json()).code, "PGRST000");
  const lost = connectionFailure(Object.assign(new Error("closed"), { code: "CONNECTION_CLOSED" }));
  assert.equal((await lost?.json()).code, "PGRST001");
  assert.equal(connectionFailure(Object.assign(new Error("x"), { code: "22P02" })), null);
});
