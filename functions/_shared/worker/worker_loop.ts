// The worker's round: run the queued exports (see claim_loop.ts), then purge
// the files the cleanup listed and delete the unfinished uploads it listed.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { WorkerDb } from "../files/db_client.ts";
import { claimAndRun, type ClaimLoopSettings } from "./claim_loop.ts";
import { deleteUpload } from "./part_upload.ts";
import { objectsToPurge, recordPurged, recordUploadsAborted, uploadsToAbort } from "./queue.ts";
import { runExport, type RunOutcome, type RunSettings, type StorageTarget } from "./run_export.ts";
import type { WakeSignal } from "./wake_signal.ts";

/** Options for {@link workerRound}. */
export interface RoundSettings extends RunSettings, ClaimLoopSettings {}

/** What a round did. */
export interface RoundReport {
  outcomes: Record<string, RunOutcome>;
  purged: number;
  /** Unfinished uploads deleted. */
  aborted: number;
}

/** Runs one round of the worker; `woken` carries wake-ups that arrive meanwhile. */
export async function workerRound(
  db: WorkerDb,
  storage: SupabaseClient,
  settings: RoundSettings,
  woken?: WakeSignal,
): Promise<RoundReport> {
  const outcomes = await claimAndRun(
    db.sql,
    settings,
    (claim, release) => runExport(db, claim, settings, release),
    woken,
  );
  return {
    outcomes,
    purged: await purgeFiles(db, storage),
    aborted: await abortUploads(db, settings.storage),
  };
}

/** Removes the files listed by exports.objects_to_purge and records them gone. */
export async function purgeFiles(db: WorkerDb, storage: SupabaseClient): Promise<number> {
  const objects = await objectsToPurge(db.sql, 100);
  const purged: string[] = [];
  for (const object of objects) {
    // No attempt stored a file: nothing to remove, and Storage refuses an empty list.
    if (object.storage_paths.length === 0) {
      purged.push(object.export_id);
      continue;
    }
    const { error } = await storage.storage.from(object.storage_bucket).remove(
      object.storage_paths,
    );
    if (error) console.error("exports worker: could not purge", object.export_id, error.message);
    else purged.push(object.export_id);
  }
  return purged.length ? await recordPurged(db.sql, purged) : 0;
}

/**
 * Deletes the unfinished uploads exports.uploads_to_abort lists (of exports
 * that ended, or started again from staging) and records them gone. An upload
 * Storage no longer holds is gone already; one that finished is an object,
 * which the purge removes by its path.
 */
export async function abortUploads(db: WorkerDb, storage: StorageTarget): Promise<number> {
  const uploads = await uploadsToAbort(db.sql, 100);
  const aborted = new Set<string>();
  const failed = new Set<string>();
  for (const upload of uploads) {
    try {
      await deleteUpload({
        ...storage,
        bucket: upload.storage_bucket,
        path: upload.storage_path,
        contentType: "application/octet-stream",
      }, upload.upload_state);
      aborted.add(upload.export_id);
    } catch (error) {
      failed.add(upload.export_id);
      console.error("exports worker: could not delete an upload", upload.export_id, error);
    }
  }
  // An export of several uploads is forgotten only once all are deleted.
  const done = [...aborted].filter((id) => !failed.has(id));
  return done.length ? await recordUploadsAborted(db.sql, done) : 0;
}
