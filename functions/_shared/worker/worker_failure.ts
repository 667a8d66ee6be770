// Decides what a failed export attempt tells its user and whether it is worth
// another try. Messages are written for people: no SQL, no stack, no hosts.
import type { Failure } from "./queue.ts";
import { RowLimitExceeded } from "../files/export_file.ts";

/** Storage answered with an error; `status` is its HTTP status (0: no answer). */
export class StorageFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "StorageFailure";
  }
}

/** Postgres error classes that mean the data or the source is at fault, not the platform. */
const userFacingClasses: Record<string, Failure> = {
  "22": {
    code: "source_data_error",
    message: "The data could not be exported: the source produced an invalid value.",
    retryable: false,
  },
  "42": {
    code: "source_unavailable",
    message: "The source of this export is not available to your account.",
    retryable: false,
  },
  "P0": {
    code: "source_error",
    message: "The source of this export reported an error while reading your data.",
    retryable: false,
  },
};

/**
 * Turns anything thrown while running an export into the failure to record.
 * Retryable messages stay true whether the export is retried or has used its
 * last attempt: fail_export decides that, after the message is written.
 */
export function failureFor(error: unknown): Failure {
  if (error instanceof RowLimitExceeded) {
    return {
      code: "too_many_rows",
      message: `This export now has more than ${error.limit.toLocaleString("en-US")} rows, ` +
        "the most its format allows; narrow it down (a date range, fewer rows) or choose CSV.",
      retryable: false,
    };
  }
  if (error instanceof StorageFailure) {
    if (error.status === 0 || error.status >= 500 || error.status === 429) {
      return {
        code: "storage_unavailable",
        message:
          "The file could not be stored right now. Exports are retried a few times; if this one has failed, request it again later.",
        retryable: true,
      };
    }
    if (error.status === 413) {
      return {
        code: "file_too_large",
        message: "The file is larger than the storage bucket accepts; export fewer rows.",
        retryable: false,
      };
    }
    return { code: "storage_rejected", message: "The storage refused the file.", retryable: false };
  }
  const sqlstate = (error as { code?: unknown })?.code;
  if (typeof sqlstate === "string" && /^[0-9A-Z]{5}$/.test(sqlstate)) {
    if (sqlstate === "57014") {
      return {
        code: "export_timeout",
        message: "The export took too long; narrow it down (a date range, fewer rows).",
        retryable: false,
      };
    }
    const userFacing = userFacingClasses[sqlstate.slice(0, 2)];
    if (userFacing) return userFacing;
  }
  return {
    code: "worker_error",
    message:
      "The export was interrupted by a temporary fault. Exports are retried a few times; if this one has failed, request it again later.",
    retryable: true,
  };
}
