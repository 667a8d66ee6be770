// The pgTAP suite stays fit for `supabase test db tests/database`, which runs pg_prove with
// `--ext .pg --ext .sql -r <folder>` (supabase/cli, the `test db` command) with the folder mounted
// read-only when pg_prove runs in Docker: every file it picks is a test, no test under tests/ is
// left out, the helpers install first and are dropped last, nothing in the folder points outside
// it, and scripts/test runs pg_prove with the same arguments.
import assert from "node:assert/strict";

const repoRoot = new URL("../../", import.meta.url).pathname;
const suite = "tests/database";
/** The arguments `supabase test db <folder>` hands pg_prove, before the folder. */
const cliArguments = ["--ext", ".pg", "--ext", ".sql", "-r"];
const setupFile = `${suite}/000_setup/helpers_are_installed.test.sql`;
const teardownFile = `${suite}/zzz_teardown/helpers_are_removed.test.sql`;

/** The files pg_prove runs for `supabase test db tests/database`, in its order, from its dry run. */
async function filesTheCliRuns(): Promise<string[]> {
  const output = await new Deno.Command("pg_prove", {
    args: ["--dry", ...cliArguments, suite],
    cwd: repoRoot,
    stderr: "inherit",
  }).output();
  assert.ok(output.success, "pg_prove lists the suite");
  // The dry run prints the files, then the options it would pass to the pgTAP source handler.
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) =>
    line.startsWith(`${suite}/`)
  );
}

/** Every file under `dir` (from the repository root). */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${repoRoot}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    const info = await Deno.stat(`${repoRoot}${path}`);
    if (info.isDirectory) files.push(...await filesUnder(path));
    else files.push(path);
  }
  return files;
}

async function text(path: string): Promise<string> {
  return await Deno.readTextFile(`${repoRoot}${path}`);
}

Deno.test("supabase test db runs only test files, every one of them, helpers first", async () => {
  const run = await filesTheCliRuns();
  const tests = [];
  for (const path of await filesUnder("tests")) {
    if (!/\.(sql|pg|psql)$/.test(path)) continue;
    if (/[._]test\.\w+$/.test(path) || /\bplan\(/.test(await text(path))) tests.push(path);
  }

  assert.deepEqual(
    run.filter((path) => !path.endsWith(".test.sql")),
    [],
    "every .sql or .pg file under tests/database is a .test.sql file: anything else there (a helper) would run as a test",
  );
  assert.deepEqual(
    tests.filter((path) => !run.includes(path)),
    [],
    "every pgTAP file under tests/ is a .test.sql file under tests/database, where the command looks",
  );
  assert.equal(run[0], setupFile, "the file that installs the helpers runs first");
  assert.equal(run.at(-1), teardownFile, "the file that drops the helpers runs last");
});

Deno.test("every pgTAP file is one plan, rolled back, and calls our helpers by their own schema", async () => {
  for (const path of await filesTheCliRuns()) {
    const sql = await text(path);
    assert.match(sql, /^begin;$/m, `${path} runs in a transaction`);
    assert.match(sql, /^select plan\(\d+\);$/m, `${path} declares its plan`);
    assert.match(sql, /select \* from finish\(\);\s*rollback;\s*$/, `${path} ends rolled back`);
    // basejump's supabase_test_helpers own schema `tests`; ours is exports_tests.
    assert.doesNotMatch(
      sql,
      /(?<![\w@.])tests\.[a-z_]/,
      `${path} calls the helpers as exports_tests.*, never tests.*`,
    );
  }
});

Deno.test("scripts/test runs pg_prove with the arguments of supabase test db", async () => {
  const script = await text("scripts/test");
  assert.match(
    script,
    new RegExp(`^pgtap_args=\\(${cliArguments.join(" ").replaceAll(".", "\\.")} ${suite}\\)$`, "m"),
    "scripts/test passes pg_prove what supabase test db passes it",
  );
  assert.match(script, /^PGPASSWORD=postgres pg_prove .* "\$\{pgtap_args\[@\]\}"/m);
  assert.doesNotMatch(script, /_helpers\.sql/, "no helper file is installed apart from the suite");
});

Deno.test("nothing in tests/database points outside it, since only the folder is mounted", async () => {
  const symlinks: string[] = [];
  const visit = async (dir: string) => {
    for await (const entry of Deno.readDir(`${repoRoot}${dir}`)) {
      if (entry.isSymlink) symlinks.push(`${dir}/${entry.name}`);
      else if (entry.isDirectory) await visit(`${dir}/${entry.name}`);
    }
  };
  await visit(suite);
  assert.deepEqual(symlinks, [], "tests/database holds no symlinks");
  for (const path of await filesTheCliRuns()) {
    assert.doesNotMatch(await text(path), /^\\i/m, `${path} includes no other file`);
  }
});

Deno.test("supabase/tests does not exist, so no test hides where scripts/test never looks", async () => {
  await assert.rejects(Deno.stat(`${repoRoot}supabase/tests`), Deno.errors.NotFound);
});
