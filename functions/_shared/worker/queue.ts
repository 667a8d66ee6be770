// The worker's side of the queue: one function per SQL call of the contract in
// ARCHITECTURE.md, run as the service role over SUPABASE_DB_URL.
import { setImmediate } from "node:timers";
import type postgres from "postgres";
import type { ExportFormat, StatementKind } from "../files/export_file.ts";
import type { PartRecord, WriterState } from "../files/slice_writer.ts";
import type { UploadState } from "./part_upload.ts";
import { asWorker } from "./worker_transaction.ts";

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
  /** Whether the export's rows are staged: its checkpoint says where the next slice starts. */
  staged: boolean;
  /** The export's checkpoint (exports.export_checkpoints), null before staging. */
  checkpoint: Checkpoint | null;
  /** The part limit in force, in bytes; null: none. */
  part_limit_bytes: string | null;
  /** Whether the format's writer stops between rows; the others write every row in one slice. */
  sliceable: boolean;
}

/** Where an export's next slice starts: its row of exports.export_checkpoints as JSON. */
export interface Checkpoint {
  export_id: string;
  staged_rows: number;
  has_header: boolean;
  rows_per_slice: number;
  /** The first staged row not yet written. */
  next_position: number;
  slices_done: number;
  /** The part the next row goes to. */
  part: number;
  part_first_position: number;
  writer_state: WriterState | null;
  upload_state: UploadState | null;
  /** The report of a report layout, computed with the rows it sums up; null for a grid. */
  report: unknown;
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
 * Stages the export's rows as its user (exports.stage_export, one statement
 * for the rows and a report), in a read committed transaction of its own;
 * returns the new checkpoint, or null when the claim must stop (canceled,
 * its lease lost, or the staging failed it: too many rows). Aborting
 * `signal` cancels the statement.
 */
export async function stageExport(
  sql: postgres.Sql,
  claim: Pick<ClaimedExport, "export_id" | "attempt">,
  workerId: string,
  statementTimeout: string,
  signal: AbortSignal,
): Promise<Checkpoint | null> {
  signal.throwIfAborted();
  return await asWorker(sql, { statementTimeout }, async (tx) => {
    const query = tx<{ checkpoint: Checkpoint | null }[]>`
      select exports.stage_export(
        export_id => ${claim.export_id}, worker_id => ${workerId},
        attempt => ${claim.attempt}) as checkpoint`;
    const cancel = () => query.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      const [{ checkpoint }] = await query;
      return checkpoint;
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  });
}

/** The statement that reads staged rows `from` to `to` in order (exports.slice_statement). */
export async function sliceStatement(
  sql: Queryable,
  exportId: string,
  from: number,
  to: number,
): Promise<string> {
  const [{ statement }] = await sql<{ statement: string }[]>`
    select exports.slice_statement(
      export_id => ${exportId}, from_position => ${from}, to_position => ${to}) as statement`;
  return statement;
}

/** The statement whose output is each part's header, or null (exports.header_statement). */
export async function headerStatement(sql: Queryable, exportId: string): Promise<string | null> {
  const [{ statement }] = await sql<{ statement: string | null }[]>`
    select exports.header_statement(export_id => ${exportId}) as statement`;
  return statement;
}

/** The Storage path of part `part` of the export (exports.part_path). */
export async function partPath(sql: Queryable, exportId: string, part: number): Promise<string> {
  const [{ path }] = await sql<{ path: string }[]>`
    select exports.part_path(export_id => ${exportId}, part => ${part}) as path`;
  return path;
}

/**
 * Records a slice: the parts it completed and the checkpoint, and hands the
 * export back to the queue; false when it was canceled or the lease was lost.
 */
export async function recordSlice(
  sql: Queryable,
  exportId: string,
  workerId: string,
  attempt: number,
  checkpoint: object,
  parts: PartRecord[],
): Promise<boolean> {
  const [{ recorded }] = await sql<{ recorded: boolean }[]>`
    select exports.record_slice(
      export_id => ${exportId}, worker_id => ${workerId}, attempt => ${attempt},
      checkpoint => ${sql.json(checkpoint as postgres.JSONValue)},
      parts => ${sql.json(parts as unknown as postgres.JSONValue)}) as recorded`;
  return recorded;
}

/** Records the last parts and completes the export; false when it was canceled or the lease was lost. */
export async function completeSlicedExport(
  sql: Queryable,
  exportId: string,
  workerId: string,
  attempt: number,
  parts: PartRecord[],
): Promise<boolean> {
  const [{ completed }] = await sql<{ completed: boolean }[]>`
    select exports.complete_sliced_export(
      export_id => ${exportId}, worker_id => ${workerId}, attempt => ${attempt},
      parts => ${sql.json(parts as unknown as postgres.JSONValue)}) as completed`;
  return completed;
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

/** An unfinished upload the cleanup wants deleted through Storage. */
export interface UploadToAbort {
  export_id: string;
  storage_bucket: string;
  storage_path: string;
  upload_state: UploadState;
}

/** Lists unfinished uploads of ended or restaged exports, at most `max`. */
export async function uploadsToAbort(sql: Queryable, max: number): Promise<UploadToAbort[]> {
  return await sql<UploadToAbort[]>`
    select * from exports.uploads_to_abort(max_uploads => ${max})`;
}

/** Records that the unfinished uploads of `exportIds` are deleted. */
export async function recordUploadsAborted(sql: Queryable, exportIds: string[]): Promise<number> {
  const [{ forgotten }] = await sql`
    select exports.record_uploads_aborted(export_ids => ${exportIds}::uuid[]) as forgotten`;
  return forgotten;
}
