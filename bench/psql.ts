// Runs statements through the psql client, as the baselines demand: psql's
// own COPY to stdout, its output thrown away, so nothing of ours is timed.
import { timeSeconds } from "./timing.ts";

/** Whom a statement runs as: the same role and JWT claims PostgREST would set. */
export interface Identity {
  /** The JWT claims (sub, role, aud, email) given to request.jwt.claims. */
  claims: Record<string, unknown>;
}

function connectionArgs(dbUrl: string): string[] {
  return ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbUrl];
}

/**
 * Seconds psql takes to run `statement` as `identity` with its output sent
 * to /dev/null: `psql -c "set role authenticated" -c "select set_config(...)"
 * -c "<statement>" > /dev/null`, one session, timed from spawn to exit.
 */
export async function timePsqlToDevNull(
  dbUrl: string,
  identity: Identity,
  statement: string,
): Promise<number> {
  const claims = JSON.stringify(identity.claims).replaceAll("'", "''");
  const command = new Deno.Command("psql", {
    args: [
      ...connectionArgs(dbUrl),
      "-c",
      "set role authenticated",
      "-c",
      `select set_config('request.jwt.claims', '${claims}', false)`,
      "-c",
      statement,
    ],
    stdout: "null",
    stderr: "piped",
  });
  let status: Deno.CommandOutput | undefined;
  const seconds = await timeSeconds(async () => {
    status = await command.output();
  });
  if (!status!.success) {
    throw new Error(`psql failed: ${new TextDecoder().decode(status!.stderr).trim()}`);
  }
  return seconds;
}

/** Runs a SQL file through psql as the superuser, with psql variables set. */
export async function runSqlFile(
  dbUrl: string,
  path: string,
  variables: Record<string, string | number>,
): Promise<void> {
  // One transaction a file: a seed that fails leaves nothing half-loaded.
  const args = [...connectionArgs(dbUrl), "--single-transaction", "-f", path];
  for (const [name, value] of Object.entries(variables)) args.push("-v", `${name}=${value}`);
  const output = await new Deno.Command("psql", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`psql -f ${path} failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}
