// Runs the worker's own work in one transaction (staging an export's rows,
// whose function takes the user's identity itself; reading staged rows),
// guarded against a connection that closes under it.
import { setImmediate } from "node:timers";
import type postgres from "postgres";

/** Options for {@link asWorker}. */
export interface AsWorkerOptions {
  /** statement_timeout for the transaction. */
  statementTimeout: string;
}

/**
 * Opens a transaction (read committed) as the worker's own role with
 * `statementTimeout`, then runs `work` in it. The timeout is set by one
 * statement, not awaited: the work's first statement follows it in the same
 * round trip, and a small slice is little more than its round trips; should
 * it fail, the transaction is aborted, so no statement of the work runs
 * without it. A transaction whose connection closes fails, and its work
 * never ends on the closed socket (see unlessClosed).
 */
export async function asWorker<T>(
  sql: postgres.Sql,
  options: AsWorkerOptions,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  // Set once sql.begin has settled: before the work has, that means the
  // transaction's connection closed.
  let ended = false;
  const transaction = sql.begin(async (tx) => {
    const timeout = tx`select set_config('statement_timeout', ${options.statementTimeout}, true)`
      .execute();
    const result = await unlessClosed(work(tx), () => ended);
    await timeout;
    return result;
  });
  transaction.then(() => ended = true, () => ended = true);
  return await transaction as T;
}

/**
 * `work`'s outcome, or never when the transaction's connection closed first.
 * postgres.js ends a transaction's work with a COMMIT or a ROLLBACK on its
 * connection, and writes it even when that connection has closed: to the
 * socket it dropped, from a timer, where the TypeError kills the process.
 * sql.begin rejects as soon as the connection closes (the server has rolled
 * the transaction back), so a work that ends after that is left unsettled.
 * The check waits one turn of the event loop: the news of a close that
 * failed the work is still on its way when the work fails.
 */
async function unlessClosed<T>(work: Promise<T>, closed: () => boolean): Promise<T> {
  const outcome = await work.then((value) => ({ value }), (error) => ({ error }));
  await new Promise((resolve) => setImmediate(resolve));
  if (closed()) return await new Promise<never>(() => {});
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}
