// sql/uninstall.sql removes the module and its sample app cleanly (but not an
// app's own schema that happens to be named sample), and the migrations then
// install them again. Works on a throwaway database it creates on the local
// cluster, never on the shared one.
import assert from "node:assert/strict";
import { stackEnv } from "../support/env.ts";

const repoRoot = new URL("../../", import.meta.url).pathname;

/** Runs a command from the repository root; throws with its output when it fails. */
async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd: repoRoot, stderr: "piped" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return text;
}

/** One value from a query, as psql prints it unaligned. */
async function queryValue(databaseUrl: string, sql: string): Promise<string> {
  return (await run("psql", ["-X", "-tA", "-v", "ON_ERROR_STOP=1", databaseUrl, "-c", sql])).trim();
}

async function psqlFile(databaseUrl: string, file: string): Promise<void> {
  await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", databaseUrl, "-f", file]);
}

/** What the module leaves behind in a database: zero everywhere once uninstalled. */
async function moduleFootprint(databaseUrl: string): Promise<string> {
  return await queryValue(
    databaseUrl,
    `select concat_ws(' ',
       (select count(*) from pg_namespace where nspname in ('exports', 'sample')),
       (select count(*) from pg_proc where pronamespace = 'public'::regnamespace and proname ~ 'export'),
       (select count(*) from pg_type where typnamespace = 'public'::regnamespace and typname = 'export_summary'),
       (select count(*) from storage.buckets where id = 'exports'),
       (select count(*) from supabase_migrations.schema_migrations where version >= '20261123000100'))`,
  );
}

Deno.test("uninstall removes the module and the migrations install it again", async () => {
  const sharedUrl = new URL(stackEnv().databaseUrl);
  const name = `exports_uninstall_${Date.now()}`;
  const throwawayUrl = new URL(sharedUrl);
  throwawayUrl.pathname = `/${name}`;
  const throwaway = throwawayUrl.toString();

  await queryValue(sharedUrl.toString(), `create database ${name}`);
  try {
    for (const file of [...Deno.readDirSync(`${repoRoot}sql/platform`)].map((f) => f.name).sort()) {
      if (file.endsWith(".sql")) await psqlFile(throwaway, `sql/platform/${file}`);
    }
    const migrate = ["migration", "up", `--remote=${throwaway}`, "--yes"];
    await run("supabase", migrate);
    await psqlFile(throwaway, "supabase/seed.sql");
    assert.equal(await moduleFootprint(throwaway), "2 7 1 1 14", "the module is installed");

    await run("scripts/uninstall", [throwaway]);
    assert.equal(await moduleFootprint(throwaway), "0 0 0 0 0", "nothing of the module is left");
    assert.equal(
      await queryValue(throwaway, "select count(*) from auth.users"),
      "3",
      "the app's users are untouched",
    );

    // An adopter who left the sample app out may have a `sample` schema of their own.
    await queryValue(
      throwaway,
      "create schema sample; create table sample.notes as select 'mine' as body",
    );
    await run("scripts/uninstall", [throwaway]);
    assert.equal(
      await queryValue(throwaway, "select body from sample.notes"),
      "mine",
      "a sample schema that is not the sample app's survives uninstall, data and all",
    );
    await queryValue(throwaway, "drop schema sample cascade");

    await run("supabase", migrate);
    assert.equal(await moduleFootprint(throwaway), "2 7 1 1 14", "the migrations apply again");
  } finally {
    await queryValue(sharedUrl.toString(), `drop database if exists ${name} with (force)`);
  }
});
