// What every Storage route needs besides the request: the database, the disk
// that holds the objects, and the secret that signs URLs.
import type postgres from "postgres";
import type { GatewayAuth } from "../request_claims.ts";
import type { Disk } from "./disk.ts";

/** What the Storage routes need besides the request. */
export interface StorageContext {
  sql: postgres.Sql;
  disk: Disk;
  /** Signs and verifies signed URLs, as the Storage server does with the JWT secret. */
  jwtSecret: string;
  /** Verifies callers. */
  auth: GatewayAuth;
}
