// Runs Storage's queries as the caller, as the Storage server does: in a transaction under the
// JWT's role with its claims published, so RLS on storage.buckets/objects decides.
import type postgres from "postgres";
import type { JwtClaims } from "../jwt.ts";
import { storageErrors } from "./errors.ts";

/** Runs `work` in a transaction as the role and claims of `claims`. */
export async function asCaller<T>(
  sql: postgres.Sql,
  claims: JwtClaims,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  try {
    return await sql.begin(async (tx) => {
      // Not awaited: the work's first statement follows in the same round
      // trip. Should this fail, the transaction is aborted and no statement
      // of the work can run under the gateway's own role.
      const identity = tx`
        select set_config('role', ${String(claims.role ?? "anon")}, true),
               set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)
      `.execute();
      const result = await work(tx);
      await identity;
      return result;
    }) as T;
  } catch (error) {
    // Row level security said no: Storage answers 403, naming RLS without the table.
    if (error instanceof Error && (error as { code?: string }).code === "42501") {
      throw storageErrors.accessDenied(
        error.message.includes("row-level security")
          ? "new row violates row-level security policy"
          : error.message,
      );
    }
    throw error;
  }
}
