// A source that takes as long as its caller asks: `rows` rows (option
// `rows`), each after a sleep of `sleep_ms`, only while the worker stages the
// export's rows (exports.stage_export): a request reads the rows too, to count
// a small export, and should not wait.
// The tests and the benchmarks that need an export held in its statement for
// a known while register it under names of their own.
import type postgres from "postgres";

/** Where the slow source goes: the schema of its rows function, and the source's name. */
export interface SlowRowsNames {
  schema: string;
  source: string;
}

/** Registers the slow source (idempotent: the function is replaced, the source re-registered). */
export async function registerSlowRows(sql: postgres.Sql, names: SlowRowsNames): Promise<void> {
  const schema = `"${names.schema.replaceAll('"', '""')}"`;
  await sql.unsafe(`
    create schema if not exists ${schema};
    grant usage on schema ${schema} to authenticated;
    -- Volatile, so Postgres runs it row by row (its rows stream into the
    -- staging table as they are made); the sleep takes the row, so it runs per row.
    create or replace function ${schema}.slow_rows(options jsonb)
    returns table (n int, label text)
    language sql volatile security invoker set search_path = ''
    as $$
      select g, 'row ' || g
      from generate_series(1, coalesce((options ->> 'rows')::int, 10)) g,
           lateral pg_catalog.pg_sleep(
             case when pg_catalog.current_query() ~* 'exports\\.stage_export'
               then coalesce((options ->> 'sleep_ms')::int, 100) / 1000.0 + 0 * g
               else 0 end) s
    $$;
    grant execute on function ${schema}.slow_rows(jsonb) to authenticated;
  `);
  await sql`select exports.register_source(name => ${names.source},
    rows_function => ${`${names.schema}.slow_rows(jsonb)`}, formats => array['csv'],
    option_types => '{"rows": "integer", "sleep_ms": "integer"}')`;
}
