// `POST /bucket`, `GET` and `DELETE /bucket/<id>` and `POST /bucket/<id>/empty`, run as the
// caller so RLS on storage.buckets and storage.objects applies.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { isBucketId } from "./disk.ts";
import { storageErrors } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import type { StorageContext } from "./context.ts";

const sizeUnits: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Creates a bucket from `{id, name, public, file_size_limit, allowed_mime_types}`; answers `{name}`. */
export async function createBucket(request: Request, claims: JwtClaims, context: StorageContext) {
  const body = await jsonBody(request);
  const id = String(body.id ?? body.name ?? "");
  if (!isBucketId(id)) throw storageErrors.invalidBucketName();
  const fileSizeLimit = parseFileSizeLimit(body.file_size_limit);
  const allowedMimeTypes = Array.isArray(body.allowed_mime_types)
    ? body.allowed_mime_types.map(String)
    : null;
  try {
    await asCaller(context.sql, claims, (tx) =>
      tx`
        insert into storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
        values (${id}, ${String(body.name ?? id)}, ${ownerUuid(claims)}, ${claims.sub ?? null},
                ${body.public === true}, ${fileSizeLimit}, ${allowedMimeTypes})
      `);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw storageErrors.bucketAlreadyExists();
    throw error;
  }
  return Response.json({ name: id });
}

/** Answers the bucket row, or NoSuchBucket when it does not exist or is not visible. */
export async function getBucket(id: string, claims: JwtClaims, context: StorageContext) {
  const [bucket] = await asCaller(context.sql, claims, (tx) =>
    tx`
      select id, name, owner, public, 'STANDARD' as type, file_size_limit, allowed_mime_types,
             created_at, updated_at
        from storage.buckets
       where id = ${id}
    `);
  if (!bucket) throw storageErrors.noSuchBucket();
  return Response.json(bucket);
}

/** The owner column takes the JWT's sub when it is a uuid (Supabase Auth's user ids are). */
export function ownerUuid(claims: JwtClaims): string | null {
  const sub = claims.sub;
  return typeof sub === "string" && /^[0-9a-f-]{36}$/i.test(sub) ? sub : null;
}

function parseFileSizeLimit(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  const match = String(value).trim().match(/^(\d+)\s*([a-z]*)$/i);
  const unit = match ? sizeUnits[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw storageErrors.invalidRequest(
      "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B",
    );
  }
  return Number(match[1]) * unit;
}

/** Deletes an empty bucket the caller may delete; a bucket with objects is refused, as in Storage. */
export async function deleteBucket(id: string, claims: JwtClaims, context: StorageContext) {
  const [{ objects }] = await context.sql<{ objects: number }[]>`
    select count(*)::int as objects from storage.objects where bucket_id = ${id}
  `;
  if (objects > 0) throw storageErrors.bucketNotEmpty();
  const deleted = await asCaller(context.sql, claims, async (tx) => {
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    return await tx`delete from storage.buckets where id = ${id} returning id`;
  });
  if (deleted.length === 0) throw storageErrors.noSuchBucket();
  return Response.json({ message: "Successfully deleted" });
}

/** Removes every object of a bucket that the caller may delete, rows and bytes. */
export async function emptyBucket(id: string, claims: JwtClaims, context: StorageContext) {
  const [bucket] = await context.sql`select 1 from storage.buckets where id = ${id}`;
  if (!bucket) throw storageErrors.noSuchBucket();
  const deleted = await asCaller(context.sql, claims, async (tx) => {
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    return await tx<{ name: string }[]>`
      delete from storage.objects where bucket_id = ${id} returning name
    `;
  });
  for (const object of deleted) context.disk.delete(id, object.name);
  return Response.json({ message: "Successfully emptied" });
}
