// `GET`/`HEAD /object/authenticated/<bucket>/<name>` and `GET /object/<bucket>/<name>` (storage-js
// `download`): the caller's JWT decides through RLS on storage.objects, as in Storage, and an
// object the caller cannot see is NoSuchKey like a missing one.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { checkObjectKey } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import type { StorageContext } from "./context.ts";
import { type ObjectMetadata, serveObject } from "./object_response.ts";

/** Serves an object the caller may read, with Range and conditional requests. */
export async function downloadAuthenticated(
  request: Request,
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
      tx<{ metadata: ObjectMetadata | null }[]>`
        select metadata from storage.objects where bucket_id = ${bucket} and name = ${name}
      `,
  );
  if (!object) throw storageErrors.noSuchKey();
  return await serveObject(request, bucket, name, object.metadata ?? {}, context, {
    download: new URL(request.url).searchParams.get("download"),
  });
}
