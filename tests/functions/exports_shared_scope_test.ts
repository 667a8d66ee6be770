// A household is a shared scope: its members see and download its exports;
// to anyone else they do not exist, and its scope cannot be exported.
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

const line = {
  occurredOn: "2026-03-01",
  category: "Utilities",
  description: "power, March",
  amount: "-61.30",
};

Deno.test("another member of the household sees and downloads its budget export", async () => {
  const owner = await createTestUser();
  const member = await createTestUser();
  const household = await seedHousehold(owner, [member], [line]);
  const exportId = await requestExport(owner, {
    source: "budget",
    format: "csv",
    scope: household,
  });
  await settled(owner, exportId);

  const seen = await callExports(member, `/${exportId}`, "GET");
  assert.deepEqual([seen.status, seen.body.status], [200, "completed"]);
  const records: Record<string, string>[] = parseCsv(
    new TextDecoder().decode(await linkedBytes(member, exportId)),
    { columns: true },
  );
  assert.deepEqual(records.map((record) => record.description), [line.description]);
});

Deno.test("a non-member gets the same 404 for the household's export as for a missing one", async () => {
  const owner = await createTestUser();
  const outsider = await createTestUser();
  const household = await seedHousehold(owner, [], [line]);
  const exportId = await requestExport(owner, {
    source: "budget",
    format: "csv",
    scope: household,
  });
  await settled(owner, exportId);

  const missingId = crypto.randomUUID();
  for (const [path, method, body] of [["", "GET", undefined], ["/link", "POST", {}]] as const) {
    // The answers may name the id asked for, and nothing else.
    const answer = async (id: string) => {
      const { status, body: answered } = await callExports(outsider, `/${id}${path}`, method, body);
      return JSON.stringify({ status, body: answered }).replaceAll(id, "<id>");
    };
    const [foreign, missing] = [await answer(exportId), await answer(missingId)];
    assert.equal(foreign, missing, `${method} ${path || "/"} tells nothing apart`);
    assert.equal(JSON.parse(foreign).status, 404);
  }
});

Deno.test("a non-member cannot request an export of the household's budget", async () => {
  const owner = await createTestUser();
  const outsider = await createTestUser();
  const household = await seedHousehold(owner, [], [line]);
  const refused = await callExports(outsider, "", "POST", {
    source: "budget",
    format: "csv",
    scope: household,
  });
  assert.equal(refused.status, 403);
  assert.equal((refused.body.error as { code: string }).code, "not_a_scope_member");
});
