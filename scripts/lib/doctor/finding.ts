// What every doctor check returns: one finding a thing it looked at, with the
// fix a person runs when it is wrong.
import type postgres from "postgres";

/** How a finding bears on the installation: `fail` and `warn` count as wrong. */
export type Severity = "ok" | "warn" | "fail" | "skip";

/** One thing a check looked at, what it saw and, when wrong, the command or SQL that fixes it. */
export interface Finding {
  /** The check's short name, e.g. `rls` or `cron`. */
  check: string;
  severity: Severity;
  message: string;
  /** What to run to fix it; only on `warn` and `fail`. */
  fix?: string;
}

/** What a check may be told about the run. */
export interface CheckOptions {
  /**
   * The database is the local stack's, whose gateway wakes the worker on `NOTIFY exports_wake`:
   * pg_net, Vault and `worker_url` are not needed there.
   */
  local: boolean;
}

/** A check: reads the database inside the doctor's read-only transaction, and reports. */
export type Check = (sql: postgres.TransactionSql, options: CheckOptions) => Promise<Finding[]>;

/** Whether any finding says something is wrong. */
export function anythingWrong(findings: Finding[]): boolean {
  return findings.some((finding) => finding.severity === "fail" || finding.severity === "warn");
}
