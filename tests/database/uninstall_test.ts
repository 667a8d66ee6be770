// sql/uninstall.sql removes the module and its sample app cleanly (but not an
// app's own schema that happens to be named sample), and the migrations then
// install them again. Works on a throwaway database it creates on the local
// cluster, never on the shared one.
import assert from "node:assert/strict";
import {
  migrate,
  psqlFile,
  queryValue,
  runCommand,
  withThrowawayDatabase,
} from "../support/throwaway_database.ts";
import { moduleFootprint, noFootprint } from "../support/module_footprint.ts";

/** The RPCs sql/uninstall.sql drops: every one the migrations create must be among them. */
const uninstalledRpcs = Deno.readTextFileSync(new URL("../../sql/uninstall.sql", import.meta.url))
  .match(/\bpublic\.\w+\(/g)!.length;

/**
 * The footprint of an installed module: its RPCs, as many as uninstall drops, and every migration
 * in supabase/migrations recorded.
 */
const installed = `3 ${uninstalledRpcs} 1 1 ${
  [...Deno.readDirSync(new URL("../../supabase/migrations/", import.meta.url))]
    .filter((entry) => entry.name.endsWith(".sql")).length
} 2`;

Deno.test("uninstall removes the module and the migrations install it again", async () => {
  await withThrowawayDatabase("exports_uninstall", async (throwaway) => {
    await psqlFile(throwaway, "supabase/seed.sql");
    assert.equal(await moduleFootprint(throwaway), installed, "the module is installed");

    await runCommand("scripts/uninstall", [throwaway]);
    assert.equal(await moduleFootprint(throwaway), noFootprint, "nothing of the module is left");
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
    await runCommand("scripts/uninstall", [throwaway]);
    assert.equal(
      await queryValue(throwaway, "select body from sample.notes"),
      "mine",
      "a sample schema that is not the sample app's survives uninstall, data and all",
    );
    await queryValue(throwaway, "drop schema sample cascade");

    await migrate(throwaway);
    assert.equal(await moduleFootprint(throwaway), installed, "the migrations apply again");
  });
});
