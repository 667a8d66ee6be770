// When the worker runs its rounds: one chain of rounds at a time per
// instance, all within one time budget. A wake-up that arrives during a round
// is handed to the round, whose claim loop answers it at once when it has a
// free slot. One the round left unanswered (it came after the round's last
// look at the queue) earns one more round, but only while the budget lasts:
// a hosted function's CPU limit counts every round its instance runs, and a
// round's budget alone would start afresh with each one. A wake-up absorbed
// after the budget is spent is answered by the next one (pg_cron's, every 5
// seconds, or a new request's).
import { WakeSignal } from "./wake_signal.ts";

/**
 * Runs one round with `budgetMs` milliseconds left to claim in; `woken`
 * carries the wake-ups that arrive meanwhile (see claim_loop.ts).
 */
export type Round = (budgetMs: number, woken: WakeSignal) => Promise<unknown>;

/** Options for {@link roundRunner}. */
export interface RoundRunnerOptions {
  /** How long a chain of rounds may keep claiming, in milliseconds. */
  budgetMs: number;
  /** The clock; tests pass their own. */
  now?: () => number;
}

/**
 * A `wake()` that starts a chain of rounds, or asks the running chain for one
 * more; it resolves when the chain ends. A round that throws is logged and
 * the chain goes on.
 */
export function roundRunner(round: Round, options: RoundRunnerOptions): () => Promise<void> {
  const now = options.now ?? Date.now;
  let chain: Promise<void> | null = null;
  const woken = new WakeSignal();
  return () => {
    if (chain) {
      woken.notify();
      return chain;
    }
    // Started from a resolved promise, so `chain` is set before the first
    // round runs and a wake-up from within it joins this chain.
    chain = Promise.resolve().then(async () => {
      const deadline = now() + options.budgetMs;
      do {
        await round(Math.max(deadline - now(), 0), woken)
          .catch((error) => console.error("exports worker: round failed", error));
      } while (woken.take() && now() < deadline);
    }).finally(() => chain = null);
    return chain;
  };
}
