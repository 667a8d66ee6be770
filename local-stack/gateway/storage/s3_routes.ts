// `/s3/<bucket>/<key>`: the S3 protocol as Storage serves it, for the commands a client uploading
// and reading large files uses: PutObject, GetObject, HeadObject and multipart uploads (create,
// part, list parts, list uploads, complete, abort). Every read and write runs as the signer, so
// RLS decides; errors are S3's XML with their real HTTP status.
import type { JwtClaims } from "../jwt.ts";
import { asCaller } from "./as_caller.ts";
import { checkObjectKey } from "./disk.ts";
import { StorageError } from "./errors.ts";
import type { StorageContext } from "./context.ts";
import { recordObject } from "./objects.ts";
import { type ObjectMetadata, serveObject } from "./object_response.ts";
import { s3Caller } from "./s3_auth.ts";
import { MultipartUploads } from "./s3_multipart.ts";
import { completedParts, S3Error, xml } from "./s3_xml.ts";
import { canUpload } from "./can_upload.ts";

/** The S3 protocol of one gateway; `handle` answers a request under `/storage/v1/s3`. */
export function s3Routes(context: StorageContext) {
  const uploads = new MultipartUploads(context.disk);
  return { handle: answer };

  async function answer(request: Request, path: string): Promise<Response> {
    try {
      const claims = await s3Caller(request, context);
      return await command(request, path, claims, context, uploads);
    } catch (error) {
      // The body may still be arriving; S3 clients expect it read before the answer.
      await request.body?.pipeTo(new WritableStream()).catch(() => {});
      if (error instanceof S3Error) return error.toResponse(request.method, path);
      if (error instanceof StorageError) {
        return new S3Error(error.code, error.httpStatusCode, error.message)
          .toResponse(request.method, path);
      }
      throw error;
    }
  }
}

async function command(
  request: Request,
  path: string,
  claims: JwtClaims,
  context: StorageContext,
  uploads: MultipartUploads,
): Promise<Response> {
  const match = path.match(/^\/([^/]+)(?:\/(.*))?$/);
  if (!match) throw new S3Error("NotImplemented", 501, "Listing buckets is not implemented");
  const bucket = decodeURIComponent(match[1]);
  const key = match[2] ? decodeURIComponent(match[2]) : undefined;
  const query = new URL(request.url).searchParams;
  const method = request.method;
  const uploadId = query.get("uploadId");
  const [found] = await context.sql`select 1 from storage.buckets where id = ${bucket}`;
  if (!found) throw new S3Error("NoSuchBucket", 404, "Bucket not found");
  if (key === undefined) {
    if (method === "GET" && query.has("uploads")) return listUploads(bucket, uploads);
    throw new S3Error("NotImplemented", 501, `${method} on a bucket is not implemented`);
  }
  checkObjectKey(bucket, key);
  if (method === "POST" && query.has("uploads")) {
    await canUpload(context, { claims, upsert: true }, bucket, key);
    const upload = uploads.create(
      bucket,
      key,
      request.headers.get("content-type") ?? "application/octet-stream",
      request.headers.get("cache-control") ?? "no-cache",
    );
    return xmlResponse(xml("InitiateMultipartUploadResult", {
      Bucket: bucket,
      Key: key,
      UploadId: upload.id,
    }));
  }
  if (method === "PUT" && uploadId) {
    const upload = uploads.get(uploadId, bucket, key);
    const number = Number(query.get("partNumber"));
    const declared = Number(request.headers.get("content-length") ?? 0);
    const room = context.fileSizeLimit - uploads.sizeWithout(upload, number);
    if (declared > room) throw tooLarge();
    await canUpload(context, { claims, upsert: true }, bucket, key);
    const received = await receive(request, context, room);
    const part = uploads.putPart(upload, number, received);
    return new Response(null, { headers: { etag: part.etag } });
  }
  if (method === "GET" && uploadId) {
    const upload = uploads.get(uploadId, bucket, key);
    const parts = [...upload.parts.values()].sort((a, b) => a.number - b.number);
    return xmlResponse(xml("ListPartsResult", {
      Bucket: bucket,
      Key: key,
      UploadId: upload.id,
      Part: parts.map((p) => ({
        PartNumber: p.number,
        LastModified: p.lastModified.toISOString(),
        ETag: p.etag,
      })),
    }));
  }
  if (method === "POST" && uploadId) {
    const upload = uploads.get(uploadId, bucket, key);
    const received = await uploads.join(upload, completedParts(await request.text()));
    if (received.size > context.fileSizeLimit) {
      context.disk.discard(received);
      throw tooLarge();
    }
    await recordObject(context, claims, {
      bucket,
      name: key,
      upsert: true,
      upload: {
        ...received,
        mimetype: upload.contentType,
        cacheControl: upload.cacheControl,
        userMetadata: null,
      },
    });
    uploads.remove(upload);
    return xmlResponse(xml("CompleteMultipartUploadResult", {
      Location: `${bucket}/${key}`,
      Bucket: bucket,
      Key: key,
      ETag: `"${received.md5}"`,
    }));
  }
  if (method === "DELETE" && uploadId) {
    uploads.remove(uploads.get(uploadId, bucket, key));
    return new Response(null, { status: 200 });
  }
  if (method === "PUT") {
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > context.fileSizeLimit) throw tooLarge();
    const received = await receive(request, context, context.fileSizeLimit);
    await recordObject(context, claims, {
      bucket,
      name: key,
      upsert: true,
      upload: {
        ...received,
        mimetype: request.headers.get("content-type") ?? "application/octet-stream",
        cacheControl: request.headers.get("cache-control") ?? "no-cache",
        userMetadata: null,
      },
    });
    return new Response(null, { headers: { etag: `"${received.md5}"` } });
  }
  if (method === "GET" || method === "HEAD") {
    const [object] = await asCaller(
      context.sql,
      claims,
      (tx) =>
        tx<{ metadata: ObjectMetadata | null }[]>`
          select metadata from storage.objects where bucket_id = ${bucket} and name = ${key}
        `,
    );
    if (!object) throw new S3Error("NoSuchKey", 404, "Object not found");
    return await serveObject(request, bucket, key, object.metadata ?? {}, context);
  }
  throw new S3Error("NotImplemented", 501, `${method} ${path} is not implemented`);
}

function listUploads(bucket: string, uploads: MultipartUploads): Response {
  return xmlResponse(xml("ListMultipartUploadsResult", {
    Bucket: bucket,
    Upload: uploads.list(bucket).map((u) => ({
      Key: u.key,
      UploadId: u.id,
      Initiated: u.initiated.toISOString(),
    })),
  }));
}

async function receive(request: Request, context: StorageContext, maxBytes: number) {
  const body = request.body ?? ReadableStream.from<Uint8Array>([]);
  try {
    return await context.disk.receive(body, maxBytes);
  } catch (error) {
    if (error instanceof StorageError && error.code === "EntityTooLarge") throw tooLarge();
    throw error;
  }
}

function tooLarge(): S3Error {
  return new S3Error("EntityTooLarge", 413, "The object exceeded the maximum allowed size");
}

function xmlResponse(body: string): Response {
  return new Response(body, { headers: { "content-type": "application/xml" } });
}
