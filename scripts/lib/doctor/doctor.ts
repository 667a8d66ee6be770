// Runs every check on a database in one read-only transaction, so the doctor
// can be pointed at a production database: it reads and never writes.
import postgres from "postgres";
import { checkBucket } from "./bucket.ts";
import { checkCronJobs } from "./cron.ts";
import type { Check, CheckOptions, Finding } from "./finding.ts";
import { checkClientRpcs, checkInternalFunctions } from "./grants.ts";
import { checkMigrations, type Migration, pushFix } from "./migrations.ts";
import { probeWorkerUrl } from "./probe.ts";
import { checkRowSecurity } from "./row_security.ts";
import { checkPgNet, checkWakeSecret, readWorkerUrl } from "./wake_up.ts";
import { checkWorkerRounds } from "./worker_rounds.ts";

/** What to check against and how. */
export interface DoctorOptions extends CheckOptions {
  /** The module's migrations, every one of which must be applied. */
  migrations: Migration[];
  /** Also send the worker's URL an HTTP request and report whether it answers. */
  probe: boolean;
}

/**
 * Runs the checks through `sql`, a transaction the caller opened: the findings, and the worker URL
 * for the probe. A check that cannot run (a permission it lacks) is reported as a failure of its
 * own, and the others still run.
 */
export async function diagnose(
  sql: postgres.TransactionSql,
  options: DoctorOptions,
): Promise<{ findings: Finding[]; workerUrl: string | null }> {
  const findings = await guarded(
    sql,
    "migrations",
    (tx) => checkMigrations(tx, options.migrations),
  );
  const [{ installed }] = await sql`
    select to_regnamespace('exports') is not null as installed`;
  if (!installed) {
    findings.push({
      check: "module",
      severity: "fail",
      message: "schema exports does not exist: the module is not installed in this database",
      fix: pushFix,
    });
    return { findings, workerUrl: null };
  }
  const checks: [string, Check][] = [
    ["rls", checkRowSecurity],
    ["grants", checkClientRpcs],
    ["grants", checkInternalFunctions],
    ["cron", checkCronJobs],
    ["pg_net", checkPgNet],
    ["vault", checkWakeSecret],
  ];
  for (const [name, check] of checks) {
    findings.push(...await guarded(sql, name, (tx) => check(tx, options)));
  }
  let workerUrl: string | null = null;
  findings.push(
    ...await guarded(sql, "worker_url", async (tx) => {
      const read = await readWorkerUrl(tx, options);
      workerUrl = read.url;
      return read.findings;
    }),
  );
  findings.push(...await guarded(sql, "bucket", checkBucket));
  findings.push(...await guarded(sql, "worker", checkWorkerRounds));
  return { findings, workerUrl };
}

/** Connects to `databaseUrl`, runs every check read-only and, when asked, probes the worker. */
export async function runDoctor(databaseUrl: string, options: DoctorOptions): Promise<Finding[]> {
  const sql = postgres(databaseUrl, {
    max: 1,
    connect_timeout: 15,
    // Supavisor's transaction mode (port 6543) cannot keep prepared statements.
    prepare: false,
    onnotice: () => {},
    connection: { application_name: "exports-doctor" },
  });
  try {
    const { findings, workerUrl } = await inReadOnlyTransaction(
      sql,
      (tx) => diagnose(tx, options),
    );
    if (options.probe && workerUrl) findings.push(await probeWorkerUrl(workerUrl));
    return findings;
  } finally {
    await sql.end();
  }
}

/** Runs `work` in a transaction that refuses every write, whatever role the URL logs in as. */
export function inReadOnlyTransaction<T>(
  sql: postgres.Sql,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`set transaction read only`;
    return await work(tx);
  }) as Promise<T>;
}

/** Runs `check` in a savepoint, so its error becomes a finding and leaves the transaction usable. */
async function guarded(
  sql: postgres.TransactionSql,
  name: string,
  check: (tx: postgres.TransactionSql) => Promise<Finding[]>,
): Promise<Finding[]> {
  try {
    return await sql.savepoint((tx) => check(tx));
  } catch (error) {
    return [{
      check: name,
      severity: "fail",
      message: `could not check: ${error instanceof Error ? error.message : String(error)}`,
      fix: "run the doctor as the postgres role (it reads the catalog, cron, vault and storage)",
    }];
  }
}
