// What every Storage route needs besides the request: the database, the disk
// that holds the objects, the secret that signs URLs and the project's upload limit.
import type postgres from "postgres";
import type { GatewayAuth } from "../request_claims.ts";
import type { Disk } from "./disk.ts";
import type { S3Credentials } from "./s3_auth.ts";

/** What the Storage routes need besides the request. */
export interface StorageContext {
  sql: postgres.Sql;
  disk: Disk;
  /** Signs and verifies signed URLs, as the Storage server does with the JWT secret. */
  jwtSecret: string;
  /** Verifies callers. */
  auth: GatewayAuth;
  /** The project's global file size limit in bytes, over any bucket's own. */
  fileSizeLimit: number;
  /** The S3 protocol's credentials. */
  s3: S3Credentials;
}
