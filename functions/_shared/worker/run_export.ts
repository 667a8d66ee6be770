// Runs one claimed export end to end: stream the file as the user into
// Storage while heartbeating, then complete it, or fail it with a reason the
// user can read. A canceled export (heartbeat says stop) leaves no file behind.
import type { SupabaseClient } from "@supabase/supabase-js";
import { asUser } from "./as_user.ts";
import { byteMeter } from "./byte_meter.ts";
import type { WorkerDb } from "../files/db_client.ts";
import { exportFile } from "../files/export_file.ts";
import {
  type ClaimedExport,
  completeExport,
  failExport,
  heartbeat,
  reportStatement,
} from "./queue.ts";
import type { Slots } from "./slots.ts";
import { watchStorage } from "./storage_watch.ts";
import { failureFor, StorageFailure } from "./worker_failure.ts";

/** How a worker runs exports. */
export interface RunSettings {
  workerId: string;
  leaseSeconds: number;
  /**
   * Milliseconds between heartbeats. The heartbeat is also how a run learns
   * that its export was canceled, so this is how long a canceled export's
   * statement may go on.
   */
  heartbeatMs: number;
  statementTimeout: string;
  /**
   * How long Storage may keep an upload waiting (not reading the next chunk,
   * or not answering once it has the file) before the attempt fails as
   * storage_unavailable; default {@link defaultStorageTimeoutMs}.
   */
  storageTimeoutMs?: number;
  /** The folder of the PDF reports' fonts, in the worker's own folder (see pdf_writer.ts). */
  reportFonts?: URL;
  /**
   * Slots for exports whose writer lays out rows in memory (a `cursor`
   * statement): such an export waits for one, heartbeating, so that those
   * running at once fit the instance's memory. None: no wait.
   */
  layoutSlots?: Slots;
}

/** Storage's default time to take the next chunk of an upload, or to answer it. */
export const defaultStorageTimeoutMs = 60_000;

/** What became of one export. */
export type RunOutcome = "completed" | "stopped" | "queued" | "failed";

class Stopped extends Error {}

/**
 * Runs `claim` with `db` (service role) and `storage` (service-role client);
 * calls `release` once the file is stored, before its completion is recorded
 * (see RunClaimed in claim_loop.ts).
 */
export async function runExport(
  db: WorkerDb,
  storage: SupabaseClient,
  claim: ClaimedExport,
  settings: RunSettings,
  release: () => void = () => {},
): Promise<RunOutcome> {
  const bucket = storage.storage.from(claim.storage_bucket);
  const stop = new AbortController();
  let rowsWritten = () => 0;
  // Each heartbeat is sent once the one before it is answered, so a slow
  // database does not pile them up.
  let running = true;
  const sendHeartbeat = async () => {
    try {
      const alive = await heartbeat(
        db.sql,
        claim.export_id,
        settings.workerId,
        rowsWritten(),
        settings.leaseSeconds,
        claim.attempt,
      );
      if (!alive) stop.abort(new Stopped("the export was canceled or its lease was lost"));
    } catch (error) {
      console.error("exports worker: heartbeat failed", claim.export_id, error);
    }
    if (running && !stop.signal.aborted) beat = setTimeout(sendHeartbeat, settings.heartbeatMs);
  };
  let beat = setTimeout(sendHeartbeat, settings.heartbeatMs);
  let giveSlot = () => {};
  try {
    if (claim.statement_kind === "cursor" && settings.layoutSlots) {
      giveSlot = await settings.layoutSlots.take(stop.signal);
    }
    // Only the formats a cursor writes lay a report out (XLSX and PDF).
    const report = claim.statement_kind === "cursor"
      ? await reportStatement(db.sql, claim.export_id)
      : null;
    const result = await asUser(db.sql, {
      claims: claim.claims,
      statementTimeout: settings.statementTimeout,
      oneSnapshot: report !== null,
    }, async (tx) => {
      const file = await exportFile(tx, { ...claim, report_statement: report }, {
        afterCopy: db.resumeReads,
        signal: stop.signal,
        reportFonts: settings.reportFonts,
      });
      rowsWritten = file.rowsWritten;
      try {
        const meter = byteMeter();
        const watched = watchFailure(file.body);
        const body = watched.body.pipeThrough(meter.stream, { signal: stop.signal });
        const upload = watchStorage(body, settings.storageTimeoutMs ?? defaultStorageTimeoutMs);
        const { error } = await Promise.race([
          bucket.upload(claim.storage_path, upload.body, {
            contentType: claim.content_type,
            upsert: true,
          }),
          upload.stalled,
        ]).finally(upload.end);
        if (stop.signal.aborted) throw stop.signal.reason;
        // A file that failed (a source error, too many rows) fails the upload
        // too; its own error is the one that tells the user what happened.
        if (error) {
          throw watched.failure() ?? new StorageFailure(storageStatus(error), error.message);
        }
        return { ...(await meter.measurement), rows: file.rowsWritten() };
      } catch (error) {
        // Stopped, or Storage gave up, with the statement perhaps still
        // running: it must end before the transaction can roll back.
        await file.stop();
        throw error;
      }
    });
    giveSlot();
    release();
    const completed = await completeExport(db.sql, claim.export_id, settings.workerId, {
      fileSize: result.size,
      sha256: result.sha256,
      rowCount: result.rows,
      attempt: claim.attempt,
    });
    if (completed) return "completed";
    await bucket.remove([claim.storage_path]);
    return "stopped";
  } catch (error) {
    // A stop that canceled the statement surfaces as the cancel's error.
    if (error instanceof Stopped || stop.signal.aborted) {
      await bucket.remove([claim.storage_path]);
      return "stopped";
    }
    const failure = failureFor(error);
    console.error("exports worker: export failed", claim.export_id, failure.code, error);
    // The database may be what failed (a restart): the failure is recorded
    // once it is back, so that a retryable export is queued again now rather
    // than when its lease runs out.
    const status = await untilAnswered(
      () => failExport(db.sql, claim.export_id, settings.workerId, failure, claim.attempt),
      { withinMs: settings.leaseSeconds * 1_000, retryMs: failureRetryMs },
    );
    return status === "queued" ? "queued" : "failed";
  } finally {
    giveSlot();
    running = false;
    clearTimeout(beat);
  }
}

/** How often a failure that could not be recorded is sent again. */
const failureRetryMs = 500;

/**
 * `call`'s answer, calling it again every `retryMs` while it throws, for at
 * most `withinMs`; then its error.
 */
async function untilAnswered<T>(
  call: () => Promise<T>,
  { withinMs, retryMs }: { withinMs: number; retryMs: number },
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() + retryMs >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}

/**
 * `body`, remembering the error it failed with: the upload that reads it
 * reports only that it could not finish.
 */
function watchFailure(body: ReadableStream<Uint8Array>) {
  let failure: unknown;
  const reader = body.getReader();
  const watched = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        failure = error;
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { body: watched, failure: () => failure };
}

/**
 * The status Storage meant. It answers most errors with HTTP 400 and puts the
 * real status in the body's `statusCode` ("413" for a file over the bucket's
 * size limit), which supabase-js keeps beside the HTTP `status`.
 */
function storageStatus(error: { status?: number; statusCode?: string }): number {
  const meant = Number(error.statusCode);
  if (Number.isInteger(meant) && meant > 0) return meant;
  return Number.isInteger(error.status) ? error.status! : 0;
}
