// Every row of a set of tables, as a count and a hash per table, to show an upgrade kept them.
import { withDb } from "../support/db.ts";

/** Each table (`schema.table`) and the columns it has, in order. */
export type TableColumns = Record<string, string[]>;

/** A table's row count and the md5 of its rows, sorted, over the columns it was snapshotted by. */
export interface TableRows {
  rows: number;
  hash: string;
}

/** The tables of `schemas`, and the extra `schema.table` names given, with their columns. */
export async function tableColumns(
  databaseUrl: string,
  options: { schemas: string[]; tables?: string[] },
): Promise<TableColumns> {
  const found = await withDb(
    (sql) =>
      sql<{ name: string; columns: string[] }[]>`
      select format('%s.%s', n.nspname, c.relname) as name,
        array_agg(a.attname::text order by a.attnum) as columns
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relkind in ('r', 'p')
        and (n.nspname = any (${options.schemas})
          or format('%s.%s', n.nspname, c.relname) = any (${options.tables ?? []}))
      group by 1
      order by 1`,
    databaseUrl,
  );
  return Object.fromEntries(found.map(({ name, columns }) => [name, columns]));
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Counts and hashes the rows of each table by the columns `columns` lists for it, so a column a
 * later migration adds does not change the hash, while a lost or altered row does.
 */
export async function snapshotRows(
  databaseUrl: string,
  columns: TableColumns,
): Promise<Record<string, TableRows>> {
  return await withDb(async (sql) => {
    const snapshot: Record<string, TableRows> = {};
    for (const [table, names] of Object.entries(columns)) {
      const [schema, relation] = table.split(".");
      const [{ rows, hash }] = await sql.unsafe(
        `select count(*)::int as rows, coalesce(md5(string_agg(r, e'\\n' order by r)), '') as hash
         from (select row(${names.map(quote).join(", ")})::text as r
               from ${quote(schema)}.${quote(relation)}) t`,
      );
      snapshot[table] = { rows, hash };
    }
    return snapshot;
  }, databaseUrl);
}
