// `GET /object/info/<bucket>/<name>` (storage-js `info` and `exists`): the object's row as
// Storage's info renderer shapes it, for a caller RLS lets see it.
import type { JwtClaims } from "../jwt.ts";
import type { StorageContext } from "./context.ts";
import { visibleObject } from "./object_lookup.ts";
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

const infoColumns = [
  "id",
  "name",
  "version",
  "bucket_id",
  "metadata",
  "user_metadata",
  "updated_at",
  "created_at",
];

/** Answers `{id, name, version, bucket_id, size, content_type, cache_control, etag, ...}`. */
export async function objectInfo(
  bucket: string,
  name: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  const object = await visibleObject<InfoRow>(context, {
    bucket,
    name,
    columns: infoColumns,
    claims,
  });
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
