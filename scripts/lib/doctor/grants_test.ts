import assert from "node:assert/strict";
import { applyFix, rolledBack } from "./_rolled_back.ts";
import { checkClientRpcs, checkInternalFunctions } from "./grants.ts";

const requestExport = "public.request_export(text, text, jsonb, text, uuid, text, boolean, bigint)";

Deno.test("grants: the client RPCs are the functions of public the module grants to authenticated", async () => {
  const granted = await rolledBack((tx) =>
    tx`select p.proname from pg_catalog.pg_proc p
       where p.pronamespace = 'public'::regnamespace
         and has_function_privilege('authenticated', p.oid, 'execute')`
  );
  const listed = await rolledBack((tx) =>
    tx`select l.procedure::oid::regproc::text as proname from exports.callable_by_authenticated() l
       where l.signature like 'public.%'`
  );
  assert.deepEqual(
    granted.map((row) => row.proname).sort(),
    listed.map((row) => String(row.proname).replace(/^public\./, "")).sort(),
  );
});

Deno.test("grants: an installed module's RPCs and internals pass", async () => {
  await rolledBack(async (tx) => {
    assert.deepEqual((await checkClientRpcs(tx)).map((finding) => finding.severity), ["ok"]);
    assert.deepEqual((await checkInternalFunctions(tx)).map((finding) => finding.severity), ["ok"]);
  });
});

Deno.test("grants: an RPC granted to anon is found, and its fix revokes it", async () => {
  await rolledBack(async (tx) => {
    await tx.unsafe(`grant execute on function ${requestExport} to anon`);
    const [finding, ...others] = await checkClientRpcs(tx);
    assert.equal(others.length, 0);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /public\.request_export\(.*\) is executable by anon/);
    assert.match(finding.fix ?? "", /^revoke execute on function public\.request_export\(/);
    await applyFix(tx, finding.fix);
    assert.equal((await checkClientRpcs(tx))[0].severity, "ok");
  });
});

Deno.test("grants: an RPC authenticated may not run is found, and its fix grants it", async () => {
  await rolledBack(async (tx) => {
    await tx`revoke execute on function public.cancel_export(uuid) from authenticated`;
    const [finding, ...others] = await checkClientRpcs(tx);
    assert.equal(others.length, 0);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /public\.cancel_export\(export_id uuid\) is not executable/);
    await applyFix(tx, finding.fix);
    assert.equal((await checkClientRpcs(tx))[0].severity, "ok");
  });
});

Deno.test("grants: an internal function open to clients is found, and its fix closes it", async () => {
  await rolledBack(async (tx) => {
    await tx`grant execute on function exports.wake_worker() to anon, authenticated`;
    await tx`grant execute on function exports._require_user() to anon`;
    const findings = await checkInternalFunctions(tx);
    assert.deepEqual(findings.map((finding) => finding.message.split(" ")[0]), [
      "exports._require_user()",
      "exports.wake_worker()",
    ]);
    assert.match(findings[0].message, /executable by anon:/);
    assert.match(
      findings[1].message,
      /\(security definer\) is executable by anon and authenticated/,
    );
    for (const finding of findings) await applyFix(tx, finding.fix);
    assert.equal((await checkInternalFunctions(tx))[0].severity, "ok");
    assert.equal(
      (await tx`select has_function_privilege('authenticated', 'exports._require_user()', 'execute') as allowed`)[
        0
      ]
        .allowed,
      true,
      "the fix leaves authenticated the internals it is meant to run",
    );
  });
});
