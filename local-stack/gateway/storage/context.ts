// What every Storage route needs besides the request: the database, the disk
// that holds the objects, and the secret that signs URLs.
import type postgres from "postgres";
import type { Disk } from "./disk.ts";

/** What the Storage routes need besides the request. */
export interface StorageContext {
  sql: postgres.Sql;
  disk: Disk;
  jwtSecret: string;
}
