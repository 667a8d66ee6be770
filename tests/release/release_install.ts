// Installs a release's migrations, as its manifest lists them, on a database with the real
// Supabase CLI: a project folder of its own holds exactly those files.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "../support/throwaway_database.ts";
import { readManifests, type ReleaseManifest, sha256Hex } from "./release_manifests.ts";

const repoDir = fileURLToPath(new URL("../../", import.meta.url));
const migrationsDir = join(repoDir, "supabase/migrations");

/** The latest release's manifest in supabase/releases/. */
export async function latestRelease(): Promise<ReleaseManifest> {
  const latest = (await readManifests(join(repoDir, "supabase/releases"))).at(-1);
  if (!latest) throw new Error("supabase/releases/ holds no manifest: run scripts/release");
  return latest;
}

/**
 * Applies `release`'s migrations to `databaseUrl` with `supabase migration up`. The files come
 * from supabase/migrations/ and must be byte for byte as released (the add-only test says which
 * one is not).
 */
export async function installRelease(databaseUrl: string, release: ReleaseManifest) {
  const workdir = await Deno.makeTempDir({ prefix: `release-${release.version}-` });
  try {
    await Deno.mkdir(join(workdir, "supabase/migrations"), { recursive: true });
    for (const [file, sha256] of release.migrations) {
      const bytes = await Deno.readFile(join(migrationsDir, file));
      if (await sha256Hex(bytes) !== sha256) {
        throw new Error(`${file} is not as released in ${release.version}: restore it`);
      }
      await Deno.writeFile(join(workdir, "supabase/migrations", file), bytes);
    }
    await migrate(databaseUrl, workdir);
  } finally {
    await Deno.remove(workdir, { recursive: true });
  }
}
