// scripts/doctor: checks a database where the module was pushed and prints
// what is missing or wrong, each with its fix. Exits 1 when anything is wrong,
// 2 when it could not check.
import { runDoctor } from "./doctor.ts";
import { anythingWrong } from "./finding.ts";
import { moduleMigrations } from "./migrations.ts";
import { formatReport } from "./report.ts";

const usage = `usage: scripts/doctor [--probe] [--local] [<database-url>]

Checks the Supabase Exports module in a database (the local stack's unless a URL is given) and
prints what is missing or wrong, each with its fix. It runs read-only and changes nothing.

  --probe   also send exports.settings.worker_url a request without credentials: any answer
            below HTTP 500 counts as reachable
  --local   the database is the local stack's, whose gateway wakes the worker on NOTIFY:
            skip pg_net, Vault and worker_url`;

const args = [...Deno.args];
if (args.includes("-h") || args.includes("--help")) {
  console.log(usage);
  Deno.exit(0);
}
const flags = new Set(args.filter((arg) => arg.startsWith("-")));
const unknown = [...flags].filter((flag) => flag !== "--probe" && flag !== "--local");
const positional = args.filter((arg) => !arg.startsWith("-"));
if (unknown.length > 0 || positional.length > 1) {
  console.error(`error: unexpected ${[...unknown, ...positional.slice(1)].join(" ")}\n\n${usage}`);
  Deno.exit(2);
}
const databaseUrl = positional[0] ?? Deno.env.get("SUPABASE_DB_URL");
if (!databaseUrl) {
  console.error(`error: no database URL\n\n${usage}`);
  Deno.exit(2);
}

const migrationsDir = new URL("../../../supabase/migrations", import.meta.url).pathname;
try {
  const findings = await runDoctor(databaseUrl, {
    local: flags.has("--local"),
    probe: flags.has("--probe"),
    migrations: moduleMigrations(migrationsDir),
  });
  console.log(formatReport(findings));
  Deno.exit(anythingWrong(findings) ? 1 : 0);
} catch (error) {
  console.error(
    `error: could not check ${redact(databaseUrl)}: ${
      error instanceof Error ? error.message : error
    }`,
  );
  Deno.exit(2);
}

/** The URL without its password, fit to print. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the database";
  }
}
