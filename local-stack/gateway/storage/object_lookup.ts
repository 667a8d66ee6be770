// What the object routes check before they act, each step failing with Storage's own error: a
// valid key, a bucket that exists, and the object's row as the caller sees it under RLS.
import type postgres from "postgres";
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import type { StorageContext } from "./context.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";

/** What the object routes read of a bucket. */
export interface BucketRow {
  file_size_limit: string | null;
}

/** The bucket, read by the gateway whoever calls; NoSuchBucket when there is none. */
export async function requireBucket(context: StorageContext, bucket: string): Promise<BucketRow> {
  const [found] = await context.sql<BucketRow[]>`
    select file_size_limit from storage.buckets where id = ${bucket}
  `;
  if (!found) throw storageErrors.noSuchBucket();
  return found;
}

/** Which object to read, which of its columns, and as whom. */
export interface ObjectLookup {
  bucket: string;
  name: string;
  columns: readonly string[];
  /** The caller, under RLS; null to read as the gateway, when a signed URL's token said yes. */
  claims: JwtClaims | null;
}

/** The object's `columns`; NoSuchKey when it does not exist or the caller cannot see it. */
export async function objectRow<T extends postgres.MaybeRow>(
  context: StorageContext,
  { bucket, name, columns, claims }: ObjectLookup,
): Promise<T> {
  const select = (sql: postgres.Sql | postgres.TransactionSql) =>
    sql<T[]>`
      select ${sql(columns as string[])} from storage.objects
       where bucket_id = ${bucket} and name = ${name}
    `;
  const [row] = claims ? await asCaller(context.sql, claims, select) : await select(context.sql);
  if (!row) throw storageErrors.noSuchKey();
  return row;
}

/** An object the caller can see in a bucket that exists: its key checked, then its row read. */
export async function visibleObject<T extends postgres.MaybeRow>(
  context: StorageContext,
  lookup: ObjectLookup & { claims: JwtClaims },
): Promise<T> {
  checkObjectKey(lookup.bucket, lookup.name);
  await requireBucket(context, lookup.bucket);
  return await objectRow<T>(context, lookup);
}
