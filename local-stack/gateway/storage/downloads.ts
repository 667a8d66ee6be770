// `GET`/`HEAD /object/authenticated/<bucket>/<name>` and `GET /object/<bucket>/<name>` (storage-js
// `download`): the caller's JWT decides through RLS on storage.objects, as in Storage, and an
// object the caller cannot see is NoSuchKey like a missing one.
import type { JwtClaims } from "../jwt.ts";
import type { StorageContext } from "./context.ts";
import { visibleObject } from "./object_lookup.ts";
import { type ObjectMetadata, serveObject } from "./object_response.ts";

/** Serves an object the caller may read, with Range and conditional requests. */
export async function downloadAuthenticated(
  request: Request,
  bucket: string,
  name: string,
  claims: JwtClaims,
  context: StorageContext,
): Promise<Response> {
  const object = await visibleObject<{ metadata: ObjectMetadata | null }>(context, {
    bucket,
    name,
    columns: ["metadata"],
    claims,
  });
  return await serveObject(request, bucket, name, object.metadata ?? {}, context, {
    download: new URL(request.url).searchParams.get("download"),
  });
}
