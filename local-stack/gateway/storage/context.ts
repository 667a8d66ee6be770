// What every Storage route needs besides the request: the database, the disk
// that holds the objects, the secret that signs URLs and the project's upload limit.
import type postgres from "postgres";
import type { Disk } from "./disk.ts";

/** What the Storage routes need besides the request. */
export interface StorageContext {
  sql: postgres.Sql;
  disk: Disk;
  jwtSecret: string;
  /** The project's global file size limit in bytes, over any bucket's own. */
  fileSizeLimit: number;
}
