// Checks that row level security is on for every table of the exports schema:
// without it, the grants alone decide and every client sees every row.
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

/** One finding per table of schema `exports` with row level security disabled, or one `ok`. */
export async function checkRowSecurity(sql: postgres.TransactionSql): Promise<Finding[]> {
  const tables = await sql`
    select c.relname as name, c.relrowsecurity as enabled
    from pg_catalog.pg_class c
    where c.relnamespace = 'exports'::regnamespace and c.relkind in ('r', 'p')
    order by c.relname`;
  const disabled = tables.filter((table) => !table.enabled);
  if (disabled.length === 0) {
    return [{
      check: "rls",
      severity: "ok",
      message: `row level security is enabled on all ${tables.length} tables of schema exports`,
    }];
  }
  return disabled.map((table) => ({
    check: "rls",
    severity: "fail",
    message: `row level security is disabled on exports.${table.name}`,
    fix: `alter table exports.${quoteIdent(table.name)} enable row level security;`,
  }));
}

/** An identifier as SQL writes it: bare when it can be, else double-quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
