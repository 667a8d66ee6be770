import assert from "node:assert/strict";
import { rolledBack } from "./_rolled_back.ts";
import { checkMigrations, moduleMigrations, pushFix } from "./migrations.ts";

const migrations = moduleMigrations(
  new URL("../../../supabase/migrations", import.meta.url).pathname,
);

Deno.test("migrations: the module's are every file but the sample app's, in order", () => {
  assert.ok(migrations.length > 0);
  assert.ok(migrations.every((migration) => !migration.name.includes("sample")));
  assert.deepEqual(migrations, [...migrations].sort((a, b) => a.version.localeCompare(b.version)));
  assert.ok(migrations.some((migration) => migration.name === "create_exports_schema"));
});

Deno.test("migrations: a database with every migration applied passes", async () => {
  const findings = await rolledBack((tx) => checkMigrations(tx, migrations));
  assert.deepEqual(findings.map((finding) => finding.severity), ["ok"]);
});

Deno.test("migrations: a migration missing from the history is named, with the push", async () => {
  await rolledBack(async (tx) => {
    const last = migrations.at(-1)!;
    await tx`delete from supabase_migrations.schema_migrations where version = ${last.version}`;
    const [finding] = await checkMigrations(tx, migrations);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, new RegExp(`${last.version}_${last.name}`));
    assert.equal(finding.fix, pushFix);
  });
});

Deno.test("migrations: a database the CLI never migrated says how to apply them", async () => {
  await rolledBack(async (tx) => {
    await tx`drop schema supabase_migrations cascade`;
    const [finding] = await checkMigrations(tx, migrations);
    assert.equal(finding.severity, "fail");
    assert.match(finding.message, /schema_migrations does not exist/);
    assert.match(finding.fix ?? "", /^supabase db push --db-url/);
  });
});
