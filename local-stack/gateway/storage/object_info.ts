// `GET /object/info/<bucket>/<name>` (storage-js `info` and `exists`): the object's row as
// Storage's info renderer shapes it, for a caller RLS lets see it.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import type { StorageContext } from "./context.ts";
import type { ObjectMetadata } from "./object_response.ts";

interface InfoRow {
  id: string;
  name: string;
  version: string | null;
  bucket_id: string;
  metadata: ObjectMetadata | null;
  user_metadata: Record<string, unknown> | null;
  updated_at: Date;
  created_at: Date;
}

/** Answers `{id, name, version, bucket_id, size, content_type, cache_control, etag, ...}`. */
export async function objectInfo(
  bucket: string,
  name: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  checkObjectKey(bucket, name);
  const [found] = await context.sql`select 1 from storage.buckets where id = ${bucket}`;
  if (!found) throw storageErrors.noSuchBucket();
  const [object] = await asCaller(
    context.sql,
    claims,
    (tx) =>
      tx<InfoRow[]>`
        select id, name, version, bucket_id, metadata, user_metadata, updated_at, created_at
          from storage.objects
         where bucket_id = ${bucket} and name = ${name}
      `,
  );
  if (!object) throw storageErrors.noSuchKey();
  const metadata = object.metadata ?? {};
  const headers = new Headers();
  if (metadata.eTag) headers.set("etag", metadata.eTag);
  if (metadata.cacheControl) headers.set("cache-control", metadata.cacheControl);
  return Response.json({
    id: object.id,
    name: object.name,
    version: object.version,
    bucket_id: object.bucket_id,
    size: metadata.size ?? null,
    content_type: metadata.mimetype ?? null,
    cache_control: metadata.cacheControl ?? null,
    etag: metadata.eTag ?? null,
    metadata: object.user_metadata ?? {},
    last_modified: object.updated_at,
    created_at: object.created_at,
  }, { headers });
}
