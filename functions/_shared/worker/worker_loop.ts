// The worker's round: run the queued exports (see claim_loop.ts), then purge
// the files the cleanup listed.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { WorkerDb } from "../files/db_client.ts";
import { claimAndRun, type ClaimLoopSettings } from "./claim_loop.ts";
import { objectsToPurge, recordPurged } from "./queue.ts";
import { runExport, type RunOutcome, type RunSettings } from "./run_export.ts";
import type { WakeSignal } from "./wake_signal.ts";

/** Options for {@link workerRound}. */
export interface RoundSettings extends RunSettings, ClaimLoopSettings {}

/** What a round did. */
export interface RoundReport {
  outcomes: Record<string, RunOutcome>;
  purged: number;
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
  return { outcomes, purged: await purgeFiles(db, storage) };
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
