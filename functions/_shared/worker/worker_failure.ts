// Decides which failure code a failed export attempt records. The words its
// user reads and whether it is retried live with the code in
// exports.failure_codes, so the worker never writes a message itself.
import type { Failure } from "./queue.ts";
import { RowLimitExceeded } from "../files/export_file.ts";
import { RowLargerThanPart } from "../files/slice_writer.ts";

/** Storage answered with an error; `status` is its HTTP status (0: no answer). */
export class StorageFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "StorageFailure";
  }
}

/**
 * Every code the worker records: the rows of exports.failure_codes recorded
 * by the worker (tests/functions/vocabulary_test.ts checks the two agree).
 */
export const workerFailureCodes = [
  "too_many_rows",
  "storage_unavailable",
  "file_too_large",
  "storage_rejected",
  "export_timeout",
  "source_data_error",
  "source_unavailable",
  "source_error",
  "worker_error",
] as const;

/** A failure code the worker records. */
export type WorkerFailureCode = (typeof workerFailureCodes)[number];

/** Postgres error classes that mean the data or the source is at fault, not the platform. */
const userFacingClasses: Record<string, WorkerFailureCode> = {
  "22": "source_data_error",
  "42": "source_unavailable",
  "P0": "source_error",
};

function failure(code: WorkerFailureCode, rowLimit?: number): Failure {
  return rowLimit === undefined ? { code } : { code, rowLimit };
}

/** Turns anything thrown while running an export into the failure to record. */
export function failureFor(error: unknown): Failure {
  if (error instanceof RowLimitExceeded) return failure("too_many_rows", error.limit);
  // One row that alone makes a part larger than the part limit: no split fits it.
  if (error instanceof RowLargerThanPart) return failure("file_too_large");
  if (error instanceof StorageFailure) {
    if (error.status === 0 || error.status >= 500 || error.status === 429) {
      return failure("storage_unavailable");
    }
    if (error.status === 413) return failure("file_too_large");
    return failure("storage_rejected");
  }
  const sqlstate = (error as { code?: unknown })?.code;
  if (typeof sqlstate === "string" && /^[0-9A-Z]{5}$/.test(sqlstate)) {
    if (sqlstate === "57014") return failure("export_timeout");
    const userFacing = userFacingClasses[sqlstate.slice(0, 2)];
    if (userFacing) return failure(userFacing);
  }
  return failure("worker_error");
}
