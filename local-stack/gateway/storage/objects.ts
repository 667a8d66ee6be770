// `POST /object/<bucket>/<name>` (upload, `x-upsert`) and `DELETE /object/<bucket>` (remove the
// named objects), recording objects in storage.objects as the caller and their bytes on disk.
import type postgres from "postgres";
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { ownerUuid } from "./buckets.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import type { StorageContext } from "./context.ts";
import { requireBucket } from "./object_lookup.ts";
import { receiveUpload, type Upload } from "./upload_body.ts";

/** Uploads one object; answers `{Key: "<bucket>/<name>", Id}` as Storage does. */
export async function uploadObject(
  request: Request,
  bucket: string,
  name: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  checkObjectKey(bucket, name);
  const found = await requireBucket(context, bucket);
  const upsert = request.headers.get("x-upsert") === "true";
  const limit = found.file_size_limit === null ? Infinity : Number(found.file_size_limit);
  // Storage checks its global limit against the declared Content-Length only, before reading the
  // body: a chunked body of unknown length passes whatever its size.
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > Math.min(limit, context.fileSizeLimit)) throw storageErrors.entityTooLarge();
  const upload = await receiveUpload(request, context.disk, limit);
  const id = await recordObject(context, claims, { bucket, name, upsert, upload });
  return Response.json({ Key: `${bucket}/${name}`, Id: id });
}

/** A received file to record as an object: where, how, and what the upload declared. */
export interface ObjectToRecord {
  bucket: string;
  name: string;
  upsert: boolean;
  upload: Upload;
  /** The object's version; a new one when not given. */
  version?: string;
}

/**
 * Writes an object's storage.objects row as the caller, so RLS decides, and moves its received
 * bytes into place in the same transaction; answers the row's id. KeyAlreadyExists without upsert.
 */
export async function recordObject(
  context: StorageContext,
  claims: JwtClaims,
  { bucket, name, upsert, upload, version }: ObjectToRecord,
): Promise<string> {
  const metadata = {
    eTag: `"${upload.md5}"`,
    size: upload.size,
    mimetype: upload.mimetype,
    cacheControl: upload.cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: upload.size,
    httpStatusCode: 200,
  };
  try {
    return await asCaller(context.sql, claims, async (tx) => {
      const values = {
        bucket_id: bucket,
        name,
        owner: ownerUuid(claims),
        owner_id: claims.sub ?? null,
        metadata: tx.json(metadata),
        user_metadata: upload.userMetadata
          ? tx.json(upload.userMetadata as postgres.JSONValue)
          : null,
        version: version ?? crypto.randomUUID(),
      };
      const [row] = upsert
        ? await tx`
            insert into storage.objects ${tx(values)}
            on conflict (bucket_id, name) do update
              set owner = excluded.owner, owner_id = excluded.owner_id,
                  metadata = excluded.metadata, user_metadata = excluded.user_metadata,
                  version = excluded.version, updated_at = now(), last_accessed_at = now()
            returning id`
        : await tx`insert into storage.objects ${tx(values)} returning id`;
      // Moved into place inside the transaction: if that fails, the row is not recorded.
      context.disk.store(upload, bucket, name);
      return row.id as string;
    });
  } catch (error) {
    context.disk.discard(upload);
    if ((error as { code?: string }).code === "23505") throw storageErrors.keyAlreadyExists();
    throw error;
  }
}

/** Removes the objects named in `{prefixes: [...]}` that the caller may delete; answers them. */
export async function removeObjects(
  request: Request,
  bucket: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  const { prefixes } = await jsonBody(request);
  if (
    !Array.isArray(prefixes) || prefixes.length === 0 || prefixes.some((p) => typeof p !== "string")
  ) {
    throw storageErrors.invalidRequest("body/prefixes must be a non-empty array of object names");
  }
  const deleted = await asCaller(context.sql, claims, async (tx) => {
    // storage.objects refuses plain-SQL deletes unless the Storage API says it is the one asking.
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    return await tx`
      delete from storage.objects
       where bucket_id = ${bucket} and name = any(${prefixes as string[]})
      returning id, bucket_id, name, owner, owner_id, version, metadata, user_metadata,
                created_at, updated_at, last_accessed_at
    `;
  });
  for (const object of deleted) context.disk.delete(bucket, object.name);
  return Response.json(deleted);
}
