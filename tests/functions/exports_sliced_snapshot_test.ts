// One snapshot for every slice: rows that other users insert and delete while
// a multi-slice export runs (after it staged its rows) leave its file as it
// would have been without them, while an export requested afterwards sees them.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { withDb } from "../support/db.ts";
import { createTestUser, type TestUser } from "../support/users.ts";
import { pollFor, requestExport, settled } from "./_exports_helpers.ts";
import {
  checkpointOf,
  downloadParts,
  sha256,
  signalWorkers,
  withSliceBytes,
} from "./_sliced_exports.ts";

/** A board every signed-in user reads and writes, and its source. */
async function registerBoard(): Promise<void> {
  await withDb(async (sql) => {
    await sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      create table if not exists exports_tests.board_notes (
        id bigint primary key, body text not null);
      alter table exports_tests.board_notes enable row level security;
      drop policy if exists "Notes are viewable by signed-in users" on exports_tests.board_notes;
      create policy "Notes are viewable by signed-in users" on exports_tests.board_notes
        for select to authenticated using ((select auth.uid()) is not null);
      drop policy if exists "Notes are added by signed-in users" on exports_tests.board_notes;
      create policy "Notes are added by signed-in users" on exports_tests.board_notes
        for insert to authenticated with check ((select auth.uid()) is not null);
      drop policy if exists "Notes are removed by signed-in users" on exports_tests.board_notes;
      create policy "Notes are removed by signed-in users" on exports_tests.board_notes
        for delete to authenticated using ((select auth.uid()) is not null);
      grant select, insert, delete on exports_tests.board_notes to authenticated;
      create or replace function exports_tests.board_notes(options jsonb)
      returns table (id bigint, body text)
      language sql stable security invoker set search_path = ''
      as $$ select id, body from exports_tests.board_notes order by id $$;
      grant execute on function exports_tests.board_notes(jsonb) to authenticated;
      truncate exports_tests.board_notes;
      insert into exports_tests.board_notes
        select g, 'note ' || g || ' ' || repeat('-', 40) from generate_series(1, 4000, 2) g;
    `);
    await sql`select exports.register_source(name => 'board_notes',
      rows_function => 'exports_tests.board_notes(jsonb)', formats => array['csv'])`;
  });
}

const request = { source: "board_notes", format: "csv" };

/** Runs `work` in a transaction as `user`, as PostgREST runs their requests. */
async function asUser(user: TestUser, work: (sql: postgres.TransactionSql) => Promise<void>) {
  await withDb((sql) =>
    sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', ${
        JSON.stringify({ sub: user.id, role: "authenticated" })
      }, true)`;
      await work(tx);
    })
  );
}

async function partHashes(user: TestUser, exportId: string): Promise<string[]> {
  const done = await settled(user, exportId, 120_000);
  assert.equal(done.status, "completed", JSON.stringify(done));
  return (await downloadParts(user, exportId)).map((part) => sha256(part.bytes));
}

Deno.test("rows other users insert and delete while a multi-slice export runs leave its file unchanged", async () => {
  await registerBoard();
  const [owner, other] = [await createTestUser(), await createTestUser()];
  await withSliceBytes(8 * 1024, async () => {
    const before = await partHashes(owner, await requestExport(owner, request));

    const exportId = await requestExport(owner, request);
    await pollFor("the export to have staged and written a slice", async () => {
      const checkpoint = await checkpointOf(exportId);
      return checkpoint && checkpoint.slices_done >= 1 ? true : undefined;
    });
    // The worker is held while the other user writes, so the export's later
    // slices run after every change.
    await signalWorkers("SIGSTOP");
    try {
      const checkpoint = (await checkpointOf(exportId))!;
      assert.ok(
        checkpoint.next_position <= checkpoint.staged_rows,
        "the export has slices left to run after the changes",
      );
      await asUser(other, async (sql) => {
        await sql`insert into exports_tests.board_notes
                  select g, 'late ' || g from generate_series(2, 1000, 2) g`;
        const removed = await sql`delete from exports_tests.board_notes where id > 3000`;
        assert.ok(removed.count > 0, "the other user removed notes");
      });
    } finally {
      await signalWorkers("SIGCONT");
    }
    assert.deepEqual(
      await partHashes(owner, exportId),
      before,
      "the file is as before the changes",
    );
    const after = await partHashes(owner, await requestExport(owner, request));
    assert.notDeepEqual(after, before, "an export requested after the changes sees them");
  });
});
