// Runs work in one transaction with the identity of the requesting user, the
// way PostgREST does, so Row Level Security decides what the work can see.
import { setImmediate } from "node:timers";
import type postgres from "postgres";

/** Options for {@link asUser}. */
export interface AsUserOptions {
  /** The user's JWT claims (sub, role, aud, email), as the claim row carries them. */
  claims: Record<string, unknown>;
  /** statement_timeout for the transaction, e.g. "15min": exports are long reads. */
  statementTimeout: string;
  /**
   * One snapshot for every statement of the work (repeatable read), where
   * several statements must agree: a report's figures and its lines.
   */
  oneSnapshot?: boolean;
}

/**
 * Opens a transaction as role `authenticated` with `request.jwt.claims` set
 * to `claims` (so auth.uid() is the user), then runs `work` in it.
 */
export async function asUser<T>(
  sql: postgres.Sql,
  options: AsUserOptions,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  // Set once sql.begin has settled: before the work has, that means the
  // transaction's connection closed.
  let ended = false;
  const transaction = sql.begin(
    options.oneSnapshot ? "isolation level repeatable read" : "",
    async (tx) => {
      // One statement, not awaited: the work's first statement follows it in
      // the same round trip, and a small export is little more than its round
      // trips. Should it fail, the transaction is aborted, so no statement of
      // the work can run as anyone but the user.
      const identity = tx`
      select set_config('role', 'authenticated', true),
             set_config('request.jwt.claims', ${JSON.stringify(options.claims)}, true),
             set_config('statement_timeout', ${options.statementTimeout}, true)
    `.execute();
      const result = await unlessClosed(work(tx), () => ended);
      await identity;
      return result;
    },
  );
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
