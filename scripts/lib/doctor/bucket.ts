// Checks the Storage bucket the worker writes into: it must exist and be
// private, or every export is readable by anyone who has its path.
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

/** Reports the `exports` bucket missing or public. */
export async function checkBucket(sql: postgres.TransactionSql): Promise<Finding[]> {
  const buckets = await sql`select b.public from storage.buckets b where b.id = 'exports'`;
  if (buckets.length === 0) {
    return [{
      check: "bucket",
      severity: "fail",
      message: "the Storage bucket exports does not exist: the worker cannot store any file",
      fix: "insert into storage.buckets (id, name, public) values ('exports', 'exports', false);",
    }];
  }
  if (buckets[0].public) {
    return [{
      check: "bucket",
      severity: "fail",
      message: "the Storage bucket exports is public: anyone with a file's path can download it",
      fix: "update storage.buckets set public = false where id = 'exports';",
    }];
  }
  return [{ check: "bucket", severity: "ok", message: "the Storage bucket exports is private" }];
}
