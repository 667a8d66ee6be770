// The worker's round: claim and run exports one at a time until the queue is
// empty or the time budget is spent (hosted functions have a wall-clock
// limit), then purge the files the cleanup listed.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { WorkerDb } from "./db_client.ts";
import { claimExports, objectsToPurge, recordPurged } from "./queue.ts";
import { runExport, type RunOutcome, type RunSettings } from "./run_export.ts";

/** Options for {@link workerRound}. */
export interface RoundSettings extends RunSettings {
  /** Stop claiming once this many milliseconds have passed. */
  budgetMs: number;
}

/** What a round did. */
export interface RoundReport {
  outcomes: Record<string, RunOutcome>;
  purged: number;
}

/** Runs one round of the worker. */
export async function workerRound(
  db: WorkerDb,
  storage: SupabaseClient,
  settings: RoundSettings,
): Promise<RoundReport> {
  const deadline = Date.now() + settings.budgetMs;
  const outcomes: Record<string, RunOutcome> = {};
  while (Date.now() < deadline) {
    const [claim] = await claimExports(db.sql, settings.workerId, 1, settings.leaseSeconds);
    if (!claim) break;
    outcomes[claim.export_id] = await runExport(db, storage, claim, settings);
  }
  return { outcomes, purged: await purgeFiles(db, storage) };
}

/** Removes the files listed by exports.objects_to_purge and records them gone. */
export async function purgeFiles(db: WorkerDb, storage: SupabaseClient): Promise<number> {
  const objects = await objectsToPurge(db.sql, 100);
  const purged: string[] = [];
  for (const object of objects) {
    const { error } = await storage.storage.from(object.storage_bucket).remove([
      object.storage_path,
    ]);
    if (error) console.error("exports worker: could not purge", object.export_id, error.message);
    else purged.push(object.export_id);
  }
  return purged.length ? await recordPurged(db.sql, purged) : 0;
}
