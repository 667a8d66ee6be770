// A source that takes as long as a test asks: `slow_rows` (csv) returns
// `rows` rows and sleeps `sleep_ms` before each, while the worker stages them, so
// a test can hold an export in its statement for a known while.
import { withDb } from "../support/db.ts";
import { registerSlowRows } from "../support/slow_rows.ts";

/** The registered name of the slow source. */
export const slowSource = "slow_rows";

/** Registers `slow_rows` (idempotent: the function is replaced, the source re-registered). */
export async function registerSlowSource(): Promise<void> {
  await withDb((sql) => registerSlowRows(sql, { schema: "exports_tests", source: slowSource }));
}

/** The request for a slow export that spends about `seconds` in its statement. */
export function slowExport(seconds: number): Record<string, unknown> {
  return {
    source: slowSource,
    format: "csv",
    options: { rows: Math.max(1, Math.round(seconds * 10)), sleep_ms: 100 },
  };
}

/** The backends staging an export's rows (a slow export's, in these tests), as pg_stat_activity lists them. */
export async function slowStatementBackends(): Promise<number[]> {
  return await withDb(async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where state = 'active' and query ilike '%exports.stage_export%'`;
    return rows.map((row) => row.pid);
  });
}
