// Runs work in one transaction with the identity of the requesting user, the
// way PostgREST does, so Row Level Security decides what the work can see.
import type postgres from "postgres";

/** Options for {@link asUser}. */
export interface AsUserOptions {
  /** The user's JWT claims (sub, role, aud, email), as the claim row carries them. */
  claims: Record<string, unknown>;
  /** statement_timeout for the transaction, e.g. "15min": exports are long reads. */
  statementTimeout: string;
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
  return await sql.begin(async (tx) => {
    // One statement, not awaited: the work's first statement follows it in
    // the same round trip, and a small export is little more than its round
    // trips. Should it fail, the transaction is aborted, so no statement of
    // the work can run as anyone but the user.
    const identity = tx`
      select set_config('role', 'authenticated', true),
             set_config('request.jwt.claims', ${JSON.stringify(options.claims)}, true),
             set_config('statement_timeout', ${options.statementTimeout}, true)
    `.execute();
    const result = await work(tx);
    await identity;
    return result;
  }) as T;
}
