// Whether a caller could write an object now, asked before any byte of a resumable or S3 upload
// is taken, as Storage's `canUpload` asks it.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { ownerUuid } from "./buckets.ts";
import { storageErrors } from "./errors.ts";
import type { StorageContext } from "./context.ts";

/** Who uploads, and whether they may replace an existing object (`x-upsert`). */
export interface Uploader {
  claims: JwtClaims;
  upsert: boolean;
}

/**
 * Refuses a caller who could not write the object now, as Storage's `canUpload` does: the bucket
 * must exist, and the row must pass RLS, which an insert (upsert with `x-upsert`) tried and rolled
 * back shows. An existing object without `x-upsert` is KeyAlreadyExists.
 */
export async function canUpload(
  context: StorageContext,
  who: Uploader,
  bucket: string,
  name: string,
) {
  const [found] = await context.sql`select 1 from storage.buckets where id = ${bucket}`;
  if (!found) throw storageErrors.noSuchBucket();
  const tried = new Error("rolled back: only a permission check");
  try {
    await asCaller(context.sql, who.claims, async (tx) => {
      const values = {
        bucket_id: bucket,
        name,
        owner: ownerUuid(who.claims),
        owner_id: who.claims.sub ?? null,
      };
      if (who.upsert) {
        await tx`
          insert into storage.objects ${tx(values)}
          on conflict (bucket_id, name) do update set owner = excluded.owner`;
      } else {
        await tx`insert into storage.objects ${tx(values)}`;
      }
      throw tried;
    });
  } catch (error) {
    if (error === tried) return;
    if ((error as { code?: string }).code === "23505") throw storageErrors.keyAlreadyExists();
    throw error;
  }
}
