// Every row of a set of tables, as a count and a hash per table, to show an upgrade kept them.
import { withDb } from "../support/db.ts";

/** Each table (`schema.table`) and the columns it has, in order. */
export type TableColumns = Record<string, string[]>;

/** The md5 of each row of a table, sorted, over the columns it was snapshotted by. */
export type TableRows = string[];

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
 * Hashes each row of each table by the columns `columns` lists for it, so a column a later
 * migration adds does not change a row's hash, while a lost or altered row does.
 */
export async function snapshotRows(
  databaseUrl: string,
  columns: TableColumns,
): Promise<Record<string, TableRows>> {
  return await withDb(async (sql) => {
    const snapshot: Record<string, TableRows> = {};
    for (const [table, names] of Object.entries(columns)) {
      const [schema, relation] = table.split(".");
      const rows = await sql.unsafe<{ hash: string }[]>(
        `select md5(row(${names.map(quote).join(", ")})::text) as hash
         from ${quote(schema)}.${quote(relation)} order by 1`,
      );
      snapshot[table] = rows.map((row) => row.hash);
    }
    return snapshot;
  }, databaseUrl);
}

/**
 * The rows of `before` that `after` no longer holds as they were, counted by table: a migration
 * may add rows (a new error code, say) but never lose or change one.
 */
export function lostRows(
  before: Record<string, TableRows>,
  after: Record<string, TableRows>,
): Record<string, number> {
  const lost: Record<string, number> = {};
  for (const [table, hashes] of Object.entries(before)) {
    const remaining = new Map<string, number>();
    for (const hash of after[table] ?? []) remaining.set(hash, (remaining.get(hash) ?? 0) + 1);
    let missing = 0;
    for (const hash of hashes) {
      const left = remaining.get(hash) ?? 0;
      if (left === 0) missing++;
      else remaining.set(hash, left - 1);
    }
    if (missing > 0) lost[table] = missing;
  }
  return lost;
}
