// The add-only check on copies in a temporary folder: it passes on an untouched release and names
// the file and what to do for an edited, removed or out-of-order migration or a disagreeing tag.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addOnlyViolations,
  compareVersions,
  parseManifest,
  releaseTags,
  tagViolations,
} from "./release_manifests.ts";

/** A project folder with two migrations released as v0.1.0 by scripts/release itself. */
async function releasedProject(): Promise<
  { root: string; migrationsDir: string; releasesDir: string }
> {
  const root = await Deno.makeTempDir({ prefix: "release-manifests-" });
  const migrationsDir = join(root, "supabase/migrations");
  const releasesDir = join(root, "supabase/releases");
  await Deno.mkdir(migrationsDir, { recursive: true });
  await Deno.mkdir(releasesDir);
  await Deno.writeTextFile(
    join(migrationsDir, "20260101000100_create_a.sql"),
    "create table a();\n",
  );
  await Deno.writeTextFile(
    join(migrationsDir, "20260101000200_create_b.sql"),
    "create table b();\n",
  );
  const { stdout } = await new Deno.Command("sha256sum", {
    args: [
      "supabase/migrations/20260101000100_create_a.sql",
      "supabase/migrations/20260101000200_create_b.sql",
    ],
    cwd: root,
  }).output();
  await Deno.writeFile(join(releasesDir, "v0.1.0.sha256"), stdout);
  return { root, migrationsDir, releasesDir };
}

async function withReleasedProject(
  work: (project: { root: string; migrationsDir: string; releasesDir: string }) => Promise<void>,
): Promise<void> {
  const project = await releasedProject();
  try {
    await work(project);
  } finally {
    await Deno.remove(project.root, { recursive: true });
  }
}

Deno.test("an untouched release with a later migration added keeps the rule", async () => {
  await withReleasedProject(async (project) => {
    await Deno.writeTextFile(
      join(project.migrationsDir, "20260201000100_add_c.sql"),
      "select 1;\n",
    );
    assert.deepEqual(await addOnlyViolations(project), []);
  });
});

Deno.test("an edited released migration is refused, naming it and what to do", async () => {
  await withReleasedProject(async (project) => {
    await Deno.writeTextFile(
      join(project.migrationsDir, "20260101000200_create_b.sql"),
      "create table b(id int);\n",
    );
    const violations = await addOnlyViolations(project);
    assert.equal(violations.length, 1);
    assert.match(violations[0], /released in v0\.1\.0 and has changed/);
    assert.match(
      violations[0],
      /add a new migration instead of editing 20260101000200_create_b\.sql/,
    );
  });
});

Deno.test("a removed released migration is refused", async () => {
  await withReleasedProject(async (project) => {
    await Deno.remove(join(project.migrationsDir, "20260101000100_create_a.sql"));
    const violations = await addOnlyViolations(project);
    assert.equal(violations.length, 1);
    assert.match(
      violations[0],
      /^20260101000100_create_a\.sql was released in v0\.1\.0 and is gone/,
    );
  });
});

Deno.test("a new migration that sorts before the last released one is refused", async () => {
  await withReleasedProject(async (project) => {
    await Deno.writeTextFile(
      join(project.migrationsDir, "20260101000150_add_c.sql"),
      "select 1;\n",
    );
    await Deno.writeTextFile(
      join(project.migrationsDir, "20260101000200_add_d.sql"),
      "select 1;\n",
    );
    const violations = await addOnlyViolations(project);
    assert.equal(violations.length, 2);
    assert.match(
      violations[0],
      /^20260101000150_add_c\.sql is new but its timestamp does not come after/,
    );
    assert.match(
      violations[1],
      /^20260101000200_add_d\.sql is new/,
      "a timestamp taken twice is refused too",
    );
  });
});

Deno.test("without manifests any migrations pass: nothing is released yet", async () => {
  await withReleasedProject(async (project) => {
    await Deno.remove(project.releasesDir, { recursive: true });
    assert.deepEqual(await addOnlyViolations(project), []);
  });
});

Deno.test("a manifest that disagrees with its tag, or a tag without one, is refused", async () => {
  await withReleasedProject(async (project) => {
    const git = async (...args: string[]) => {
      const output = await new Deno.Command("git", {
        args: ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
        cwd: project.root,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
    };
    await git("init", "-q");
    await git("add", ".");
    await git("commit", "-q", "-m", "release");
    await git("tag", "v0.1.0");
    const tags = await releaseTags(project.root);
    assert.deepEqual(tags, ["v0.1.0"]);
    assert.deepEqual(await tagViolations({ ...project, repoDir: project.root, tags }), []);

    const manifest = join(project.releasesDir, "v0.1.0.sha256");
    const lines = (await Deno.readTextFile(manifest)).trim().split("\n");
    await Deno.writeTextFile(manifest, `${"0".repeat(64)}  ${lines[0].split("  ")[1]}\n`);
    const violations = await tagViolations({ ...project, repoDir: project.root, tags });
    assert.deepEqual(violations.map((violation) => violation.split(": ")[0]), [
      "supabase/releases/v0.1.0.sha256 has another sha256 than the tag",
      "supabase/releases/v0.1.0.sha256 leaves out a migration the tag holds",
    ]);

    await git("tag", "v0.2.0");
    assert.match(
      (await tagViolations({ ...project, repoDir: project.root, tags: ["v0.2.0"] }))[0],
      /^the tag v0\.2\.0 has no supabase\/releases\/v0\.2\.0\.sha256/,
    );
  });
});

Deno.test("manifests parse sha256sum's output and versions order by number", () => {
  const manifest = parseManifest(
    "v0.1.0",
    `${"a".repeat(64)}  supabase/migrations/1_a.sql\n${
      "b".repeat(64)
    } *supabase/migrations/2_b.sql\n`,
  );
  assert.deepEqual([...manifest.migrations.keys()], ["1_a.sql", "2_b.sql"]);
  assert.throws(() => parseManifest("v0.1.0", "not a line\n"), /line 1/);
  assert.deepEqual(["v0.10.0", "v0.2.0", "v0.1.1"].sort(compareVersions), [
    "v0.1.1",
    "v0.2.0",
    "v0.10.0",
  ]);
});
