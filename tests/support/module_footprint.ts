// What the exports module leaves in a database, for the tests that uninstall it.
import { queryValue } from "./throwaway_database.ts";

/**
 * Counts, space-separated, of the module's schemas (`exports`, `exports_staging`, `sample`), its RPCs, its
 * `export_summary` type, its bucket, its migration history rows and its policies on
 * `realtime.messages`: zero everywhere once uninstalled.
 */
export async function moduleFootprint(databaseUrl: string): Promise<string> {
  return await queryValue(
    databaseUrl,
    `select concat_ws(' ',
       (select count(*) from pg_namespace where nspname in ('exports', 'exports_staging', 'sample')),
       (select count(*) from pg_proc where pronamespace = 'public'::regnamespace and proname ~ 'export'),
       (select count(*) from pg_type where typnamespace = 'public'::regnamespace and typname = 'export_summary'),
       (select count(*) from storage.buckets where id = 'exports'),
       (select count(*) from supabase_migrations.schema_migrations where version >= '20261123000100'),
       (select count(*) from pg_policies where schemaname = 'realtime' and tablename = 'messages'
          and policyname ~ ' exports$'))`,
  );
}

/** The footprint of a database the module is not installed in. */
export const noFootprint = "0 0 0 0 0 0";
