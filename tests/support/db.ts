// A superuser connection to the local database, for a test's setup, checks
// and clean-up: opened for one piece of work and always closed.
import postgres from "postgres";
import { stackEnv } from "./env.ts";

/** Runs `work` with a superuser connection to the local database, or to `databaseUrl`. */
export async function withDb<T>(
  work: (sql: postgres.Sql) => Promise<T>,
  databaseUrl: string = stackEnv().databaseUrl,
): Promise<T> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
