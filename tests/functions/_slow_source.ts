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

/**
 * The backends staging rows while export `exportId` is claimed (the staging
 * statement's text names no export: its arguments are parameters), as
 * pg_stat_activity lists them.
 */
export async function slowStatementBackends(exportId: string): Promise<number[]> {
  return await withDb(async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where state = 'active' and query ilike '%exports.stage_export%'
        and exists (select from exports.exports e
                    where e.export_id = ${exportId} and e.status = 'processing' and e.attempt > 0)`;
    return rows.map((row) => row.pid);
  });
}

/** Whether backend `pid` is still staging rows. */
export async function isStaging(pid: number): Promise<boolean> {
  return await withDb(async (sql) => {
    const [row] = await sql`
      select 1 from pg_stat_activity
      where pid = ${pid} and state = 'active' and query ilike '%exports.stage_export%'`;
    return row !== undefined;
  });
}
