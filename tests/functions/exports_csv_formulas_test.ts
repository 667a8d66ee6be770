// A budget line written as a formula reaches the other members' CSV as text:
// the budget source defuses formulas by default, a request may turn that off,
// and numbers are never touched.
import assert from "node:assert/strict";
import { parse as parseCsv } from "csv-parse/sync";
import { createTestUser } from "../support/users.ts";
import {
  callExports,
  linkedBytes,
  requestExport,
  seedHousehold,
  settled,
} from "./_exports_helpers.ts";

const formula = '=HYPERLINK("http://x","y")';
const lines = [{
  occurredOn: "2026-03-01",
  category: "Groceries",
  description: formula,
  amount: "-5",
}];

async function budgetCsv(request: Record<string, unknown>) {
  const owner = await createTestUser();
  const member = await createTestUser();
  const household = await seedHousehold(owner, [member], lines);
  const exportId = await requestExport(member, {
    source: "budget",
    format: "csv",
    scope: household,
    ...request,
  });
  const done = await settled(member, exportId);
  assert.equal(done.status, "completed");
  const records: Record<string, string>[] = parseCsv(
    new TextDecoder().decode(await linkedBytes(owner, exportId)),
    { columns: true },
  );
  return { export: done, records };
}

Deno.test("a formula in a budget line comes out as text, and a negative amount as a number", async () => {
  const { export: done, records } = await budgetCsv({});
  assert.equal(done.defuse_formulas, true);
  assert.deepEqual(
    records.map((r) => [r.description, r.amount]),
    [[`'${formula}`, "-5.00"]],
  );
});

Deno.test("a request that turns defusing off gets the budget line as written", async () => {
  const { export: done, records } = await budgetCsv({ defuse_formulas: false });
  assert.equal(done.defuse_formulas, false);
  assert.deepEqual(records.map((r) => [r.description, r.amount]), [[formula, "-5.00"]]);
});

Deno.test("defuse_formulas must be a boolean", async () => {
  const member = await createTestUser();
  const refused = await callExports(member, "", "POST", {
    source: "conversations",
    format: "csv",
    defuse_formulas: "yes",
  });
  assert.equal(refused.status, 400);
});
