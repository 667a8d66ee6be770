// Keeps up to `concurrency` claimed exports running, claiming as many as there
// are free slots in one call, until the queue is empty or the time budget is
// spent (hosted functions have a wall-clock limit). Exports spend most of their
// time waiting on Postgres and Storage, so one instance can drive several.
import { setImmediate } from "node:timers";
import { type ClaimedExport, claimExports, type Queryable } from "./queue.ts";
import type { RunOutcome } from "./run_export.ts";

/**
 * Exports one worker instance runs at once unless EXPORTS_WORKER_CONCURRENCY
 * says otherwise: enough to overlap their waits on Postgres and Storage. A
 * CSV or JSONL export adds little memory, but an XLSX export at its row cap
 * takes most of a hosted function's, so apps that make many should set 1.
 */
export const defaultConcurrency = 4;

/** How the loop claims. */
export interface ClaimLoopSettings {
  workerId: string;
  leaseSeconds: number;
  /** Stop claiming once this many milliseconds have passed. */
  budgetMs: number;
  /** How many exports run at once. */
  concurrency: number;
}

/**
 * Runs one claimed export. `release` gives its slot back before the run ends:
 * a run calls it once the export needs no more of the worker's resources (its
 * file is stored) and only has to record what became of it, so the loop can
 * claim the next export while that record commits. A run that never calls it
 * keeps its slot until it ends.
 */
export type RunClaimed = (claim: ClaimedExport, release: () => void) => Promise<RunOutcome>;

/** Claims and runs exports with `run`; returns what became of each, by export id. */
export async function claimAndRun(
  sql: Queryable,
  settings: ClaimLoopSettings,
  run: RunClaimed,
): Promise<Record<string, RunOutcome>> {
  const deadline = Date.now() + settings.budgetMs;
  const outcomes: Record<string, RunOutcome> = {};
  // Busy slots, each until its run releases it or ends; and the runs
  // themselves, which may still be recording their outcome.
  const slots = new Set<Promise<void>>();
  const runs = new Set<Promise<void>>();
  try {
    while (Date.now() < deadline) {
      // Claim only what can start now: a claimed export that waited for a slot
      // would spend its lease queued behind the others.
      const free = settings.concurrency - slots.size;
      const claims = await claimExports(sql, settings.workerId, free, settings.leaseSeconds);
      for (const claim of claims) {
        const { promise: slot, resolve: release } = Promise.withResolvers<void>();
        slots.add(slot);
        slot.then(() => slots.delete(slot));
        const task: Promise<void> = run(claim, release)
          .then((outcome) => {
            outcomes[claim.export_id] = outcome;
          })
          // Only the database failing under fail_export lands here; the lease
          // runs out and the cleanup queues the export again.
          .catch((error) => console.error("exports worker: run failed", claim.export_id, error))
          .finally(() => {
            release();
            runs.delete(task);
          });
        runs.add(task);
      }
      if (slots.size === 0) break;
      // Fewer were due than there were free slots, or every slot is busy: wait
      // for a slot, then look again (exports requested meanwhile are due now).
      if (claims.length < free || slots.size === settings.concurrency) {
        await Promise.race(slots);
        // Slots freed in the same turn of the event loop (answers that came in
        // one read) are refilled by one claim rather than one claim each, and
        // completions queued in this turn are sent before that claim.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    // Even when a claim fails (the connection dropped): the exports already
    // running go on, and the round must not end, nor the host's waitUntil
    // settle, while they do.
    await Promise.all(runs);
  }
  return outcomes;
}
