// exports.error_codes says which status and code the exports API answers each
// EX SQLSTATE with; functions/_shared/api/http_errors.ts is what the API really
// does. The two must list the same pairs.
import assert from "node:assert/strict";
import { sqlstateAnswers } from "../../functions/_shared/api/http_errors.ts";
import { withDb } from "../support/db.ts";

Deno.test("exports.error_codes and the exports API answer every EX SQLSTATE alike", async () => {
  const rows = await withDb((sql) =>
    sql<{ sqlstate: string; name: string; http_status: number }[]>`
      select sqlstate, name, http_status from exports.error_codes order by sqlstate`
  );
  const inDatabase = Object.fromEntries(
    rows.map((row) => [row.sqlstate, { status: row.http_status, code: row.name }]),
  );
  assert.ok(rows.length > 0, "exports.error_codes has rows");
  assert.deepEqual(
    inDatabase,
    { ...sqlstateAnswers },
    "each SQLSTATE has the same status and code in both, and neither lists one the other lacks",
  );
});
