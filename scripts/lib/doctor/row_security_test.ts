import assert from "node:assert/strict";
import { applyFix, rolledBack } from "./_rolled_back.ts";
import { checkRowSecurity } from "./row_security.ts";

Deno.test("row security: every table of an installed module passes", async () => {
  const findings = await rolledBack((tx) => checkRowSecurity(tx));
  assert.deepEqual(findings.map((finding) => finding.severity), ["ok"]);
});

Deno.test("row security: a table with RLS disabled is found, and its fix enables it", async () => {
  await rolledBack(async (tx) => {
    await tx`alter table exports.usage disable row level security`;
    const [finding, ...others] = await checkRowSecurity(tx);
    assert.equal(others.length, 0);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /exports\.usage/);
    assert.equal(finding.fix, "alter table exports.usage enable row level security;");
    await applyFix(tx, finding.fix);
    assert.equal((await checkRowSecurity(tx))[0].severity, "ok");
  });
});
