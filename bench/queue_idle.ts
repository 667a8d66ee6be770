// Waits for the worker to finish what earlier samples queued. Each
// request_export call queues an export that the worker runs at once; the calls
// made straight to Postgres (the "in Postgres" figures) queue them faster than
// one worker runs them, and the backlog would run on into the samples and
// figures after them. Every sample starts from the same, idle queue.
import type postgres from "postgres";

const pollIntervalMs = 50;

/** What was still queued or running when the wait began, and how long it took. */
export interface Backlog {
  exports: number;
  seconds: number;
}

/**
 * Resolves once no export is queued and due, or running; throws after
 * `timeoutMs` with how many are left.
 */
export async function waitForIdleQueue(
  sql: postgres.Sql,
  timeoutMs = 10 * 60 * 1000,
): Promise<Backlog> {
  const start = performance.now();
  let first: number | null = null;
  while (true) {
    // Each count reads one of the queue's partial indexes (exports_claim_idx,
    // exports_lease_idx), so polling stays cheap beside a million exports.
    const [{ queued, running }] = await sql<{ queued: number; running: number }[]>`
      select
        (select count(*) from exports.exports
          where status = 'queued' and deleted_at is null and next_run_at <= now())::int as queued,
        (select count(*) from exports.exports where status = 'processing')::int as running`;
    first ??= queued + running;
    if (queued === 0 && running === 0) {
      return { exports: first, seconds: (performance.now() - start) / 1000 };
    }
    if (performance.now() - start > timeoutMs) {
      throw new Error(
        `the worker did not finish earlier samples' exports within ${timeoutMs / 60000} ` +
          `minutes: ${queued} queued, ${running} running (is the gateway's worker up?)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** Waits as {@link waitForIdleQueue} does and logs any backlog it waited for. */
export async function settleQueue(sql: postgres.Sql, before: string): Promise<void> {
  const backlog = await waitForIdleQueue(sql);
  if (backlog.exports > 0) {
    console.error(
      `    waited ${backlog.seconds.toFixed(1)} s for ${backlog.exports} exports ` +
        `still queued or running before ${before}`,
    );
  }
}
