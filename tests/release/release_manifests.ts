// The release manifests (supabase/releases/<version>.sha256, written by scripts/release) and the
// add-only rule they carry: a released migration never changes and nothing new sorts before it.
import { basename, join } from "node:path";

/** One release: its version and the sha256 of each migration it shipped, by file name. */
export interface ReleaseManifest {
  version: string;
  /** file name (as in supabase/migrations/) → lowercase hex sha256 */
  migrations: Map<string, string>;
}

/** The sha256 of a file's bytes, as sha256sum prints it. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Parses one manifest in sha256sum's format (`<hex>  <path>`, `*` before a binary path). */
export function parseManifest(version: string, text: string): ReleaseManifest {
  const migrations = new Map<string, string>();
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`${version}.sha256 line ${index + 1} is not "<sha256>  <file>"`);
    migrations.set(basename(match[2]), match[1]);
  }
  return { version, migrations };
}

/** Orders versions `vMAJOR.MINOR.PATCH` by their numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.replace(/^v/, "").split(".").map(Number);
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Every manifest in `releasesDir`, oldest release first; none when the folder is absent. */
export async function readManifests(releasesDir: string): Promise<ReleaseManifest[]> {
  const manifests: ReleaseManifest[] = [];
  try {
    for await (const entry of Deno.readDir(releasesDir)) {
      if (!entry.isFile || !entry.name.endsWith(".sha256")) continue;
      const version = entry.name.slice(0, -".sha256".length);
      manifests.push(
        parseManifest(version, await Deno.readTextFile(join(releasesDir, entry.name))),
      );
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return manifests.sort((a, b) => compareVersions(a.version, b.version));
}

/** The migration files in `migrationsDir` and their sha256, by file name. */
export async function currentMigrations(migrationsDir: string): Promise<Map<string, string>> {
  const migrations = new Map<string, string>();
  for await (const entry of Deno.readDir(migrationsDir)) {
    if (!entry.isFile) continue;
    migrations.set(
      entry.name,
      await sha256Hex(await Deno.readFile(join(migrationsDir, entry.name))),
    );
  }
  return migrations;
}

/** The Supabase CLI's version of a migration: the digits its file name starts with. */
function migrationVersion(file: string): string {
  return /^\d+/.exec(file)?.[0] ?? "";
}

/**
 * What breaks the add-only rule in `migrationsDir` against the manifests in `releasesDir`, one
 * sentence each saying what to do; empty when the migrations keep every release as it shipped.
 */
export async function addOnlyViolations(
  options: { migrationsDir: string; releasesDir: string },
): Promise<string[]> {
  const manifests = await readManifests(options.releasesDir);
  const current = await currentMigrations(options.migrationsDir);
  const violations: string[] = [];
  const released = new Set<string>();
  for (const { version, migrations } of manifests) {
    for (const [file, sha256] of migrations) {
      released.add(file);
      const now = current.get(file);
      if (now === undefined) {
        violations.push(
          `${file} was released in ${version} and is gone: restore it as released and add a new migration instead of removing it`,
        );
      } else if (now !== sha256) {
        violations.push(
          `${file} was released in ${version} and has changed: restore it (git checkout ${version} -- supabase/migrations/${file}) and add a new migration instead of editing ${file}`,
        );
      }
    }
  }
  const lastReleased = [...released].sort().at(-1);
  if (lastReleased === undefined) return violations;
  for (const file of [...current.keys()].sort()) {
    if (released.has(file)) continue;
    if (migrationVersion(file) <= migrationVersion(lastReleased)) {
      violations.push(
        `${file} is new but its timestamp does not come after the last released migration, ${lastReleased}: rename it with a later timestamp (supabase migration new <name> picks one)`,
      );
    }
  }
  return violations;
}

/** A git repository's `v*` tags; none when git or the repository is not there. */
export async function releaseTags(repoDir: string): Promise<string[]> {
  try {
    const { success, stdout } = await new Deno.Command("git", {
      args: ["tag", "-l", "v*"],
      cwd: repoDir,
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return [];
    return new TextDecoder().decode(stdout).split("\n").filter((tag) => tag !== "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function git(repoDir: string, args: string[]): Promise<Uint8Array<ArrayBuffer>> {
  const output = await new Deno.Command("git", { args, cwd: repoDir, stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return output.stdout;
}

/** The migrations in a tag's tree and their sha256, by file name. */
export async function taggedMigrations(
  repoDir: string,
  tag: string,
): Promise<Map<string, string>> {
  const listing = new TextDecoder().decode(
    await git(repoDir, ["ls-tree", "--name-only", `${tag}^{tree}`, "supabase/migrations/"]),
  );
  const migrations = new Map<string, string>();
  for (const path of listing.split("\n").filter((line) => line !== "")) {
    migrations.set(basename(path), await sha256Hex(await git(repoDir, ["show", `${tag}:${path}`])));
  }
  return migrations;
}

/**
 * Where a manifest disagrees with the migrations of its version's tag, or a tag has no manifest,
 * one sentence each; tags the repository does not hold are not checked.
 */
export async function tagViolations(
  options: { repoDir: string; releasesDir: string; tags: string[] },
): Promise<string[]> {
  const manifests = new Map(
    (await readManifests(options.releasesDir)).map((manifest) => [manifest.version, manifest]),
  );
  const violations: string[] = [];
  for (const tag of options.tags) {
    const manifest = manifests.get(tag);
    if (!manifest) {
      violations.push(
        `the tag ${tag} has no supabase/releases/${tag}.sha256: add one holding the sha256sum of each migration in that tag`,
      );
      continue;
    }
    const tagged = await taggedMigrations(options.repoDir, tag);
    const files = new Set([...tagged.keys(), ...manifest.migrations.keys()]);
    for (const file of [...files].sort()) {
      const [inTag, inManifest] = [tagged.get(file), manifest.migrations.get(file)];
      if (inTag === inManifest) continue;
      const what = inTag === undefined
        ? "lists a migration the tag does not hold"
        : inManifest === undefined
        ? "leaves out a migration the tag holds"
        : "has another sha256 than the tag";
      violations.push(
        `supabase/releases/${tag}.sha256 ${what}: ${file}; a manifest records its tag's migrations as they are and is never edited`,
      );
    }
  }
  return violations;
}
