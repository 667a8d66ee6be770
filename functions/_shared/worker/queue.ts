// The worker's side of the queue: one function per SQL call of the contract in
// ARCHITECTURE.md, run as the service role over SUPABASE_DB_URL.
import { setImmediate } from "node:timers";
import type postgres from "postgres";
import type { ExportFormat, StatementKind } from "../files/export_file.ts";

/** A client or an open transaction: the queue calls work on either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

/** A claimed export: everything the worker needs to run it (exports.claimed_export). */
export interface ClaimedExport {
  export_id: string;
  attempt: number;
  source: string;
  format: ExportFormat;
  options: Record<string, unknown>;
  compression: "none" | "gzip";
  claims: Record<string, unknown>;
  statement: string;
  statement_kind: StatementKind;
  file_name: string;
  content_type: string;
  storage_bucket: string;
  /** Where this attempt stores its file: a path of its own (exports._attempt_path). */
  storage_path: string;
  /** int8 columns arrive as strings from postgres.js. */
  rows_expected: string | null;
  /** The most rows the file may hold; null: no limit. */
  row_limit: string | null;
}

/** The stored files of an export the cleanup wants gone: one path per attempt. */
export interface ObjectToPurge {
  export_id: string;
  storage_bucket: string;
  storage_paths: string[];
}

/** What a finished export records. */
export interface Completion {
  fileSize: number;
  sha256: string;
  rowCount: number;
  /** The claim's attempt: the completion is refused once a later claim replaced it. */
  attempt?: number;
}

/**
 * Why an attempt failed: a code of exports.failure_codes, whose message the
 * user reads and whose retryable flag decides whether it runs again.
 */
export interface Failure {
  code: string;
  /** The row limit the export went past (too_many_rows): the message names it. */
  rowLimit?: number;
}

/**
 * The statement that computes the export's report as its user
 * (exports.report_statement), or null when its file is a plain grid.
 */
export async function reportStatement(sql: Queryable, exportId: string): Promise<string | null> {
  try {
    const [row] = await sql<{ statement: string | null }[]>`
      select exports.report_statement(${exportId}) as statement`;
    return row?.statement ?? null;
  } catch (error) {
    // A database whose migrations predate reports (a worker deployed before
    // `supabase db push`) has no such function: its files are grids.
    if ((error as { code?: string }).code === "42883") return null;
    throw error;
  }
}

/** Claims up to `max` queued exports for `workerId`, leased for `leaseSeconds`. */
export async function claimExports(
  sql: Queryable,
  workerId: string,
  max: number,
  leaseSeconds: number,
): Promise<ClaimedExport[]> {
  return await sql<ClaimedExport[]>`
    select * from exports.claim_exports(
      worker_id => ${workerId}, max_exports => ${max}, lease_seconds => ${leaseSeconds})`;
}

/**
 * Extends the lease and records progress; false means stop working on it.
 * `attempt`, the claim's, refuses a run whose claim a later one replaced.
 */
export async function heartbeat(
  sql: Queryable,
  exportId: string,
  workerId: string,
  rowsWritten: number,
  leaseSeconds: number,
  attempt: number | null = null,
): Promise<boolean> {
  const [{ alive }] = await sql`
    select exports.heartbeat(
      export_id => ${exportId}, worker_id => ${workerId},
      rows_written => ${rowsWritten}, lease_seconds => ${leaseSeconds}, attempt => ${attempt}) as alive`;
  return alive;
}

/** Marks the export completed; false when it was canceled or the lease was lost. */
export function completeExport(
  sql: Queryable,
  exportId: string,
  workerId: string,
  completion: Completion,
): Promise<boolean> {
  let batches = pendingCompletions.get(sql);
  if (!batches) pendingCompletions.set(sql, batches = new Map());
  let batch = batches.get(workerId);
  if (!batch) {
    batch = [];
    batches.set(workerId, batch);
    // Exports that finish in the same turn of the event loop are completed
    // in one call: one statement and one commit instead of one each.
    setImmediate(() => {
      batches.delete(workerId);
      sendCompletions(sql, workerId, batch!);
    });
  }
  return new Promise((resolve, reject) =>
    batch.push({ exportId, completion, settle: { resolve, reject } })
  );
}

interface PendingCompletion {
  exportId: string;
  completion: Completion;
  settle: { resolve(completed: boolean): void; reject(error: unknown): void };
}

/** Completions waiting for the end of this event-loop turn, by client and worker. */
const pendingCompletions = new WeakMap<Queryable, Map<string, PendingCompletion[]>>();

async function sendCompletions(sql: Queryable, workerId: string, batch: PendingCompletion[]) {
  try {
    const completions = batch.map(({ exportId, completion }) => ({
      export_id: exportId,
      file_size: completion.fileSize,
      checksum_sha256: completion.sha256,
      row_count: completion.rowCount,
      attempt: completion.attempt ?? null,
    }));
    const rows = await sql<{ export_id: string; completed: boolean }[]>`
      select export_id, completed
      from exports.complete_exports(worker_id => ${workerId}, completions => ${
      sql.json(completions)
    })`;
    const completed = new Map(rows.map((row) => [row.export_id, row.completed]));
    for (const { exportId, settle } of batch) settle.resolve(completed.get(exportId) ?? false);
  } catch (error) {
    for (const { settle } of batch) settle.reject(error);
  }
}

/** Records a failed attempt; returns the export's new status ('queued' or 'failed'). */
export async function failExport(
  sql: Queryable,
  exportId: string,
  workerId: string,
  failure: Failure,
  attempt: number | null = null,
): Promise<string> {
  const [{ status }] = await sql`
    select exports.fail_export(
      export_id => ${exportId}, worker_id => ${workerId}, error_code => ${failure.code},
      attempt => ${attempt}, row_limit => ${failure.rowLimit ?? null}) as status`;
  return status;
}

/** Lists stored files of expired or deleted exports, at most `max`. */
export async function objectsToPurge(sql: Queryable, max: number): Promise<ObjectToPurge[]> {
  return await sql<ObjectToPurge[]>`
    select * from exports.objects_to_purge(max_objects => ${max})`;
}

/** Records that the files of `exportIds` are gone from Storage. */
export async function recordPurged(sql: Queryable, exportIds: string[]): Promise<number> {
  const [{ purged }] = await sql`
    select exports.record_purged(export_ids => ${exportIds}::uuid[]) as purged`;
  return purged;
}
