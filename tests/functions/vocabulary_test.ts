// Each list the code branches on lives in one SQL table; every copy of it
// elsewhere (the worker's and the file writers' TypeScript, ARCHITECTURE.md's
// tables) must list the same entries, no more and no fewer.
import assert from "node:assert/strict";
import { statementKinds } from "../../functions/_shared/files/export_file.ts";
import { blockFormats, chunkedFormats } from "../../functions/_shared/files/text_framing.ts";
import { workerFailureCodes } from "../../functions/_shared/worker/worker_failure.ts";
import { withDb } from "../support/db.ts";

interface FormatRow {
  name: string;
  extension: string;
  content_type: string;
  statement_kind: string;
  chunks_function: string | null;
  row_cap: string | null;
}

interface FailureRow {
  code: string;
  retryable: boolean;
  recorded_by: string;
  description: string;
}

interface ErrorRow {
  sqlstate: string;
  name: string;
  http_status: number;
  description: string;
}

const formats = () =>
  withDb((sql) =>
    sql<FormatRow[]>`
      select name, extension, content_type, statement_kind, chunks_function, row_cap::text
      from exports.formats order by position`
  );

const failureCodes = () =>
  withDb((sql) =>
    sql<FailureRow[]>`
      select code, retryable, recorded_by, description from exports.failure_codes order by code`
  );

/**
 * The rows of the Markdown table in ARCHITECTURE.md whose header row starts
 * with `firstHeader`, each cell trimmed and without backticks.
 */
async function architectureTable(firstHeader: string): Promise<string[][]> {
  const lines = (await Deno.readTextFile(new URL("../../ARCHITECTURE.md", import.meta.url)))
    .split("\n");
  const start = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstHeader}\\s*\\|`).test(line));
  assert.ok(start >= 0, `ARCHITECTURE.md has a table headed ${firstHeader}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((cell) => cell.trim().replaceAll("`", "")));
  }
  return rows;
}

Deno.test("the file writers know every format of exports.formats and how its rows arrive", async () => {
  const rows = await formats();
  assert.ok(rows.length > 0, "exports.formats has rows");
  assert.deepEqual(
    Object.fromEntries(rows.map((row) => [row.name, row.statement_kind])),
    { ...statementKinds },
    "each format has the same statement kind in both, and neither lists one the other lacks",
  );
  assert.deepEqual(
    rows.filter((row) => row.statement_kind === "copy_text").map((row) => row.name).sort(),
    [...chunkedFormats].sort(),
    "text_framing.ts frames exactly the copy_text formats",
  );
  assert.deepEqual(
    rows.filter((row) => row.statement_kind === "cursor" && row.chunks_function !== null)
      .map((row) => row.name).sort(),
    [...blockFormats].sort(),
    "and the cursor formats a source's own chunks function may write",
  );
});

Deno.test("the worker records exactly the failure codes exports.failure_codes says it records", async () => {
  const rows = await failureCodes();
  assert.deepEqual(
    rows.filter((row) => row.recorded_by === "worker").map((row) => row.code).sort(),
    [...workerFailureCodes].sort(),
  );
});

Deno.test("every failure code the database records is written by a function of the module", async () => {
  const unwritten = await withDb((sql) =>
    sql<{ code: string }[]>`
      select f.code from exports.failure_codes f
      where f.recorded_by = 'database' and not exists (
        select from pg_proc p
        where p.pronamespace = 'exports'::regnamespace and p.prosrc like '%error_code = ''' || f.code || '''%')`
  );
  assert.deepEqual(unwritten.map((row) => row.code), []);
});

Deno.test("ARCHITECTURE.md's error table is exports.error_codes", async () => {
  const rows = await withDb((sql) =>
    sql<
      ErrorRow[]
    >`select sqlstate, name, http_status, description from exports.error_codes order by sqlstate`
  );
  assert.deepEqual(
    await architectureTable("SQLSTATE"),
    rows.map((row) => [row.sqlstate, String(row.http_status), row.name, row.description]),
  );
});

Deno.test("ARCHITECTURE.md's failure code table is exports.failure_codes", async () => {
  const rows = await failureCodes();
  assert.deepEqual(
    await architectureTable("failure code"),
    rows.map((row) => [row.code, row.retryable ? "yes" : "no", row.recorded_by, row.description]),
  );
});

Deno.test("ARCHITECTURE.md's format table is exports.formats", async () => {
  const rows = await formats();
  assert.deepEqual(
    await architectureTable("format"),
    rows.map((row) => [
      row.name,
      row.extension,
      row.content_type,
      row.statement_kind,
      row.row_cap ?? "none",
    ]),
  );
});

Deno.test("ARCHITECTURE.md's broadcast event table is exports.broadcast_events", async () => {
  const rows = await withDb((sql) =>
    sql<{ name: string; description: string }[]>`
      select name, description from exports.broadcast_events order by position`
  );
  assert.deepEqual(
    await architectureTable("broadcast event"),
    rows.map((row) => [row.name, row.description]),
  );
});
