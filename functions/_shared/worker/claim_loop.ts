// Keeps up to `concurrency` claimed exports running, claiming as many as there
// are free slots in one call, until the queue is empty or the time budget is
// spent (hosted functions have a wall-clock limit). Exports spend most of their
// time waiting on Postgres and Storage, so one instance can drive several.
// A free slot is filled as soon as an export is due, not when a running one
// ends: a long export must not hold back the short ones queued after it.
import { setImmediate } from "node:timers";
import { type ClaimedExport, claimExports, type Queryable } from "./queue.ts";
import type { RunOutcome } from "./run_export.ts";
import { WakeSignal } from "./wake_signal.ts";

/**
 * Exports one worker instance runs at once unless EXPORTS_WORKER_CONCURRENCY
 * says otherwise: enough to overlap their waits on Postgres and Storage. A
 * CSV or JSONL export adds little memory; the XLSX and PDF exports, which
 * take far more, run only as many at once as fit (see layoutSlotsFor).
 */
export const defaultConcurrency = 4;

/**
 * How often a loop with free slots and busy ones looks at the queue again
 * when no wake-up comes: wake-ups are best effort (a pg_net call, a
 * notification), and a lost one must not leave a due export waiting for a
 * long one to end. One claim of nothing a second is cheap.
 */
export const defaultPollMs = 1_000;

/** How the loop claims. */
export interface ClaimLoopSettings {
  workerId: string;
  leaseSeconds: number;
  /** Stop claiming once this many milliseconds have passed. */
  budgetMs: number;
  /** How many exports run at once. */
  concurrency: number;
  /** Milliseconds between looks at the queue while slots are free (default {@link defaultPollMs}). */
  pollMs?: number;
  /**
   * Stop claiming once aborted: the platform retired this instance (its
   * `drain` event), so what it claimed now could outlive it.
   */
  drained?: AbortSignal;
}

/**
 * Runs one claimed export. `release` gives its slot back before the run ends:
 * a run calls it once the export needs no more of the worker's resources (its
 * file is stored) and only has to record what became of it, so the loop can
 * claim the next export while that record commits. A run that never calls it
 * keeps its slot until it ends.
 */
export type RunClaimed = (claim: ClaimedExport, release: () => void) => Promise<RunOutcome>;

/**
 * Claims and runs exports with `run`; returns what became of each, by export
 * id. A wake-up on `woken` while slots are free makes it claim again at once.
 */
export async function claimAndRun(
  sql: Queryable,
  settings: ClaimLoopSettings,
  run: RunClaimed,
  woken: WakeSignal = new WakeSignal(),
): Promise<Record<string, RunOutcome>> {
  const deadline = Date.now() + settings.budgetMs;
  const pollMs = settings.pollMs ?? defaultPollMs;
  const outcomes: Record<string, RunOutcome> = {};
  // Busy slots, each until its run releases it or ends; and the runs
  // themselves, which may still be recording their outcome.
  const slots = new Set<Promise<void>>();
  const runs = new Set<Promise<void>>();
  // Exports a run of this loop queued again, for their next slice or for a
  // retry: each comes due (a retry after its backoff), and no wake-up of this
  // instance need announce it, so the loop waits for them.
  const retrying = new Set<string>();
  try {
    const drained = settings.drained;
    const drainedNow = new Promise<void>((resolve) => {
      if (drained?.aborted) resolve();
      drained?.addEventListener("abort", () => resolve(), { once: true });
    });
    while (Date.now() < deadline && !drained?.aborted) {
      // Claim only what can start now: a claimed export that waited for a slot
      // would spend its lease queued behind the others.
      const free = settings.concurrency - slots.size;
      // This claim answers every wake-up so far.
      woken.take();
      let claims: ClaimedExport[] = [];
      try {
        claims = await claimExports(sql, settings.workerId, free, settings.leaseSeconds);
      } catch (error) {
        // The database may be restarting. An export still holding its slot,
        // or queued again by this loop for a retry, needs the loop to go on:
        // it looks again after a while. With neither, the round ends with the
        // error.
        if (slots.size === 0 && retrying.size === 0) throw error;
        console.error("exports worker: claim failed; looking again shortly", error);
      }
      for (const claim of claims) {
        retrying.delete(claim.export_id);
        const { promise: slot, resolve: release } = Promise.withResolvers<void>();
        slots.add(slot);
        slot.then(() => slots.delete(slot));
        const task: Promise<void> = run(claim, release)
          .then((outcome) => {
            outcomes[claim.export_id] = outcome;
            // A slice handed back is due again at once, a retry after its
            // backoff: the loop goes on to claim it (or the next export).
            if (outcome === "queued" || outcome === "sliced") retrying.add(claim.export_id);
          })
          // Only a failure the run could not record while its lease lasted
          // (the database down that long) lands here; the cleanup queues the
          // export again.
          .catch((error) => console.error("exports worker: run failed", claim.export_id, error))
          .finally(() => {
            release();
            runs.delete(task);
          });
        runs.add(task);
      }
      if (slots.size === 0 && retrying.size === 0) break;
      if (slots.size === settings.concurrency) {
        // Every slot is busy: a wake-up meanwhile stays unanswered until one
        // is free, and the claim that fills it answers it.
        await Promise.race(slots);
      } else if (claims.length < free) {
        // Fewer were due than there were free slots: look again when a slot
        // is freed, when woken (an export was requested), or after a while.
        await firstOf(
          [...slots, woken.next(), drainedNow],
          Math.min(pollMs, deadline - Date.now()),
        );
      } else {
        continue;
      }
      // Slots freed in the same turn of the event loop (answers that came in
      // one read) are refilled by one claim rather than one claim each, and
      // completions queued in this turn are sent before that claim.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // Even when a claim fails (the connection dropped): the exports already
    // running go on, and the round must not end, nor the host's waitUntil
    // settle, while they do.
    await Promise.all(runs);
  }
  return outcomes;
}

/** Waits for the first of `promises` to settle, or `ms` milliseconds. */
async function firstOf(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ...promises,
      new Promise((resolve) => timer = setTimeout(resolve, Math.max(ms, 0))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
