// A source that takes as long as a test asks: `slow_rows` (csv) returns
// `rows` rows and sleeps `sleep_ms` before each, inside the export's COPY, so
// a test can hold an export in its statement for a known while.
import { withDb } from "../support/db.ts";

/** The registered name of the slow source. */
export const slowSource = "slow_rows";

/** Registers `slow_rows` (idempotent: the function is replaced, the source re-registered). */
export async function registerSlowSource(): Promise<void> {
  await withDb(async (sql) => {
    await sql.unsafe(`
      create schema if not exists exports_tests;
      grant usage on schema exports_tests to authenticated;
      -- Volatile, so Postgres runs it row by row (its rows stream into the
      -- COPY as they are made); the sleep takes the row, so it runs per row.
      create or replace function exports_tests.slow_rows(options jsonb)
      returns table (n int, label text)
      language sql volatile security invoker set search_path = ''
      as $$
        select g, 'row ' || g
        from generate_series(1, coalesce((options ->> 'rows')::int, 10)) g,
             lateral pg_catalog.pg_sleep(coalesce((options ->> 'sleep_ms')::int, 100) / 1000.0 + 0 * g) s
      $$;
      grant execute on function exports_tests.slow_rows(jsonb) to authenticated;
      select exports.register_source(name => '${slowSource}',
        rows_function => 'exports_tests.slow_rows(jsonb)', formats => array['csv'],
        option_types => '{"rows": "integer", "sleep_ms": "integer"}');
    `);
  });
}

/** The request for a slow export that spends about `seconds` in its statement. */
export function slowExport(seconds: number): Record<string, unknown> {
  return {
    source: slowSource,
    format: "csv",
    options: { rows: Math.max(1, Math.round(seconds * 10)), sleep_ms: 100 },
  };
}

/** The backends running a COPY of `slow_rows`, as pg_stat_activity lists them. */
export async function slowStatementBackends(): Promise<number[]> {
  return await withDb(async (sql) => {
    const rows = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where state = 'active' and query ilike 'copy%exports_tests.slow_rows%'`;
    return rows.map((row) => row.pid);
  });
}
