// Checks that every migration of the module is recorded as applied in the
// Supabase CLI's history table.
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

/** A migration file: its version (the timestamp) and its name, as the Supabase CLI records them. */
export interface Migration {
  version: string;
  name: string;
}

/** The fix for anything missing from the history: the CLI applies what it has not applied. */
export const pushFix =
  "supabase db push --db-url <database-url>   (from the project folder holding the module's migrations)";

/**
 * The migrations in `directory`, in order. The sample app's (`*_sample_*`) are left out: a project
 * that adds the module copies only its own.
 */
export function moduleMigrations(directory: string): Migration[] {
  return [...Deno.readDirSync(directory)]
    .map((entry) => entry.name.match(/^(\d{14})_(.+)\.sql$/))
    .filter((match): match is RegExpMatchArray => match !== null && !match[2].includes("sample"))
    .map((match) => ({ version: match[1], name: match[2] }))
    .sort((a, b) => a.version.localeCompare(b.version));
}

/** Reports the module's migrations missing from `supabase_migrations.schema_migrations`. */
export async function checkMigrations(
  sql: postgres.TransactionSql,
  migrations: Migration[],
): Promise<Finding[]> {
  const [{ table }] = await sql`
    select to_regclass('supabase_migrations.schema_migrations') is not null as table`;
  if (!table) {
    return [{
      check: "migrations",
      severity: "fail",
      message:
        "supabase_migrations.schema_migrations does not exist: no migration was ever applied with the Supabase CLI",
      fix: pushFix,
    }];
  }
  const applied = new Set(
    (await sql`select version from supabase_migrations.schema_migrations`).map((row) =>
      row.version as string
    ),
  );
  const missing = migrations.filter((migration) => !applied.has(migration.version));
  if (missing.length === 0) {
    return [{
      check: "migrations",
      severity: "ok",
      message: `all ${migrations.length} of the module's migrations are applied`,
    }];
  }
  return [{
    check: "migrations",
    severity: "fail",
    message: `${missing.length} of the module's ${migrations.length} migrations are not applied: ${
      missing.map((migration) => `${migration.version}_${migration.name}`).join(", ")
    }`,
    fix: pushFix,
  }];
}
