// For the doctor's tests: seed a fault into the local stack's database inside
// a transaction, run a check in it, and roll everything back, so the shared
// database and its worker never see the fault.
import type postgres from "postgres";
import { withDb } from "../../../tests/support/db.ts";

class Rollback extends Error {}

/** Runs `work` in a transaction on the local database (or `databaseUrl`) that is always rolled back. */
export async function rolledBack<T>(
  work: (tx: postgres.TransactionSql) => Promise<T>,
  databaseUrl?: string,
): Promise<T> {
  let result: T | undefined;
  await withDb(async (sql) => {
    try {
      await sql.begin(async (tx) => {
        result = await work(tx);
        throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
  }, databaseUrl);
  return result as T;
}

/** Runs a fix the doctor printed, as it is printed: the SQL before any parenthesised note. */
export async function applyFix(
  tx: postgres.TransactionSql,
  fix: string | undefined,
): Promise<void> {
  if (!fix) throw new Error("the finding has no fix");
  await tx.unsafe(fix.split("   (")[0]);
}
