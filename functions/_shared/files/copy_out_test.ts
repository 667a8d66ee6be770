// copyOut against real Postgres: a COPY stopped part-way ends on the server,
// so its transaction rolls back and the connection serves the next statement.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { within } from "../../../tests/support/within.ts";
import { copyOut, copyOutRows } from "./copy_out.ts";
import { workerDb } from "./db_client.ts";

// Some 70 MB of output: far more than the socket and the blocks read ahead
// hold, so the server is still sending when the reader stops.
const large = "copy (select g, repeat('x', 60) from generate_series(1, 1000000) g) to stdout";

/**
 * Runs `work` in a transaction on a one-connection worker client, expecting it
 * to throw; returns the message the transaction failed with, then whether the
 * same connection answers a statement afterwards.
 */
async function failingTransaction(
  work: (tx: postgres.TransactionSql) => Promise<never>,
): Promise<{ failedWith: string; answersNext: boolean }> {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const failedWith = await within(30_000, db.sql.begin(work).then(() => "", (e) => e.message));
    const [{ next }] = await within(30_000, db.sql`select 1 as next`);
    return { failedWith, answersNext: next === 1 };
  } finally {
    await db.sql.end({ timeout: 1 });
  }
}

Deno.test("a COPY whose body is canceled part-way ends, and its transaction rolls back", async () => {
  const result = await failingTransaction(async (tx) => {
    const copy = await copyOut(tx, large, { afterCopy: () => {} });
    const reader = copy.body.getReader();
    assert.equal((await reader.read()).done, false);
    await reader.cancel(new Error("the export was canceled"));
    await copy.stop();
    throw new Error("the export was canceled");
  });
  assert.deepEqual(result, { failedWith: "the export was canceled", answersNext: true });
});

Deno.test("a COPY whose body was never read ends when stopped", async () => {
  const result = await failingTransaction(async (tx) => {
    await (await copyOut(tx, large, { afterCopy: () => {} })).stop();
    throw new Error("the upload failed");
  });
  assert.deepEqual(result, { failedWith: "the upload failed", answersNext: true });
});

Deno.test("stopping a COPY that was read to its end leaves its transaction as it was", async () => {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const text = await db.sql.begin(async (tx) => {
      const copy = await copyOut(tx, "copy (select 1 union all select 2) to stdout", {
        afterCopy: () => {},
      });
      const text = await new Response(copy.body).text();
      await copy.stop();
      // A cancel sent now would fail this statement, which outlasts its arrival.
      const [{ next }] = await tx`select 3 as next from pg_sleep(0.2)`;
      return text + next;
    });
    assert.equal(text, "1\n2\n3");
  } finally {
    await db.sql.end();
  }
});

Deno.test("rows() counts the rows a COPY sent, values with line breaks and a slow reader alike", async () => {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const counted = await db.sql.begin(async (tx) => {
      // Every value holds a line break, and the reader stops between blocks,
      // so the stream is paused with many rows waiting when it resumes.
      const copy = await copyOut(
        tx,
        `copy (select g, E'line\\nbreak "' || g from generate_series(1, 100000) g)
           to stdout with (format csv, header)`,
        { afterCopy: db.resumeReads },
      );
      let lineBreaks = 0;
      for await (const block of copy.body) {
        lineBreaks += block.filter((byte) => byte === 0x0a).length;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { rows: copy.rows(), lineBreaks };
    });
    assert.deepEqual(counted, { rows: 100_001, lineBreaks: 200_001 });
  } finally {
    await db.sql.end();
  }
});

Deno.test("copyOutRows hands over each row as one chunk, line breaks in values and all", async () => {
  const db = workerDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 1 });
  try {
    const rows = await db.sql.begin(async (tx) => {
      const copy = await copyOutRows(
        tx,
        `copy (select g, E'line\\nbreak' from generate_series(1, 20000) g)
           to stdout with (format csv)`,
        { afterCopy: db.resumeReads },
      );
      const rows: string[] = [];
      const decoder = new TextDecoder();
      for await (const batch of copy.body) rows.push(...batch.map((row) => decoder.decode(row)));
      return rows;
    });
    assert.equal(rows.length, 20_000);
    assert.deepEqual(rows.slice(0, 2), ['1,"line\nbreak"\n', '2,"line\nbreak"\n']);
    assert.ok(rows.every((row, index) => row === `${index + 1},"line\nbreak"\n`));
  } finally {
    await db.sql.end();
  }
});
