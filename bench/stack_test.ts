// Tests for the bench users' ids in bench/stack.ts.
import assert from "node:assert/strict";
import postgres from "postgres";
import { otherUserId } from "./stack.ts";

const helpersSql = new URL("./seed/helpers.sql", import.meta.url);
const samples = [1, 15, 16, 10_000, 2 ** 48 - 1];

Deno.test("other user ids match bench.user_id(n) of bench/seed/helpers.sql", async () => {
  const databaseUrl = Deno.env.get("SUPABASE_DB_URL");
  if (!databaseUrl) {
    throw new Error("SUPABASE_DB_URL is not set: run the tests with scripts/test");
  }
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const rollback = new Error("rollback");
  let fromSql: string[] = [];
  try {
    // Installed in a transaction that is rolled back: the stack's database
    // is shared, and the bench's schema has no place in it.
    await sql.begin(async (tx) => {
      await tx.unsafe(await Deno.readTextFile(helpersSql));
      const rows = await tx<{ id: string }[]>`
        select bench.user_id(n)::text as id
        from unnest(${samples.map(String)}::bigint[]) with ordinality s (n, i) order by i`;
      fromSql = rows.map((row) => row.id);
      throw rollback;
    }).catch((error) => {
      if (error !== rollback) throw error;
    });
  } finally {
    await sql.end();
  }
  assert.deepEqual(samples.map(otherUserId), fromSql);
});

Deno.test("other user ids carry n in their last 12 hex digits, in a range of their own", () => {
  for (const n of samples) {
    const id = otherUserId(n);
    assert.match(id, /^00000000-0000-4000-9000-[0-9a-f]{12}$/);
    assert.equal(BigInt(`0x${id.slice(-12)}`), BigInt(n));
  }
});
