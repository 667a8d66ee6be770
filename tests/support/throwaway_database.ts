// A database of a test's own on the stack's cluster, for tests that must not
// share the stack's database (its worker claims whatever is queued there) or
// that remove the module: Supabase's platform objects, then the migrations
// applied by the real Supabase CLI, as scripts/db-migrate does; dropped at the end.
import { stackEnv } from "./env.ts";

const repoRoot = new URL("../../", import.meta.url).pathname;

/** Runs a command from the repository root; its output, or an error holding what it printed. */
export async function runCommand(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd: repoRoot, stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** Runs `sql` through psql on `databaseUrl`; one value as psql prints it unaligned. */
export async function queryValue(databaseUrl: string, sql: string): Promise<string> {
  return (await runCommand("psql", ["-X", "-tA", "-v", "ON_ERROR_STOP=1", databaseUrl, "-c", sql]))
    .trim();
}

/** Runs a file of the repository through psql on `databaseUrl`. */
export async function psqlFile(databaseUrl: string, file: string): Promise<void> {
  await runCommand("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", databaseUrl, "-f", file]);
}

/**
 * Applies the migrations not yet applied to `databaseUrl`, with the Supabase CLI: those of this
 * repository, or of the project folder `workdir` (the one holding `supabase/migrations/`).
 */
export async function migrate(databaseUrl: string, workdir?: string): Promise<void> {
  const args = ["migration", "up", `--remote=${databaseUrl}`, "--yes"];
  await runCommand("supabase", workdir ? [...args, `--workdir=${workdir}`] : args);
}

/**
 * Runs `work` with the URL of a new database named `<prefix>_<time>`, holding
 * the platform objects and every migration (or what `install` applies
 * instead); drops it afterwards, whatever `work` did.
 */
export async function withThrowawayDatabase<T>(
  prefix: string,
  work: (databaseUrl: string) => Promise<T>,
  install: (databaseUrl: string) => Promise<void> = migrate,
): Promise<T> {
  const shared = stackEnv().databaseUrl;
  const name = `${prefix}_${Date.now()}`;
  const url = new URL(shared);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await queryValue(shared, `create database ${name}`);
  try {
    const platform = [...Deno.readDirSync(`${repoRoot}local-stack/platform`)].map((entry) =>
      entry.name
    )
      .filter((file) => file.endsWith(".sql")).sort();
    for (const file of platform) await psqlFile(databaseUrl, `local-stack/platform/${file}`);
    await install(databaseUrl);
    return await work(databaseUrl);
  } finally {
    await queryValue(shared, `drop database if exists ${name} with (force)`);
  }
}
