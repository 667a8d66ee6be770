// `/upload/resumable`: TUS resumable uploads, served by `@tus/server` as the Storage server serves
// them, with a `@tus/file-store` datastore under the stand-in's disk (`<root>/.tus`). Hooks give it
// Storage's rules: the upload id is "<bucket>/<name>/<version>", every request but HEAD checks
// that the caller may write the object (RLS, and `x-upsert` to replace one), and the finishing
// request records the object as the caller. Until then the object does not exist.
import { Server, type Upload as TusUpload } from "@tus/server";
import { FileStore } from "@tus/file-store";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import type { JwtClaims } from "../jwt.ts";
import { checkObjectKey } from "./disk.ts";
import { StorageError } from "./errors.ts";
import { canUpload, type Uploader } from "./can_upload.ts";
import type { StorageContext } from "./context.ts";
import { recordObject } from "./objects.ts";

/** What the hooks answer a refusal with: TUS sends plain text with the real status. */
interface TusError {
  status_code: number;
  body: string;
}

const route = "/storage/v1/upload/resumable";

/** A TUS server for `context`'s disk and database; `handle` answers one request for a caller. */
export function tusServer(context: StorageContext) {
  const callers = new WeakMap<Request, Uploader>();
  const directory = join(context.disk.root, ".tus");
  const caller = (request: Request) => {
    const found = callers.get(request);
    if (!found) throw new Error("a TUS request reached the server without its caller");
    return found;
  };
  const server = new Server({
    path: route,
    datastore: new FileStore({ directory }),
    disableTerminationForFinishedUploads: true,
    allowedHeaders: ["Authorization", "X-Upsert", "Upload-Expires", "ApiKey", "x-signature"],
    namingFunction: (_request, metadata) => {
      if (!metadata) throw { status_code: 400, body: "Metadata header is required" };
      const bucket = metadata.bucketName ?? "";
      const name = metadata.objectName ?? "";
      tusCheck(() => checkObjectKey(bucket, name));
      return `${bucket}/${name}/${crypto.randomUUID()}`;
    },
    getFileIdFromRequest: (request) => {
      const id = new URL(request.url).pathname.slice(route.length + 1);
      return id ? Buffer.from(id, "base64url").toString("utf-8") : undefined;
    },
    // As Storage writes it in production, which assumes a TLS proxy and names its own path:
    // `https://<host>/upload/resumable/<id>`. Clients follow the id on the endpoint they used.
    generateUrl: (request, { id }) =>
      `https://${new URL(request.url).host}/upload/resumable/${
        Buffer.from(id).toString("base64url")
      }`,
    maxSize: async (_request, id) => {
      if (!id) return context.fileSizeLimit;
      const [bucket] = await context.sql<{ file_size_limit: string | null }[]>`
        select file_size_limit from storage.buckets where id = ${parseUploadId(id).bucket}
      `;
      const own = bucket?.file_size_limit ? Number(bucket.file_size_limit) : Infinity;
      return Math.min(own, context.fileSizeLimit);
    },
    onIncomingRequest: async (request, id) => {
      if (request.method === "HEAD") return;
      const { bucket, name } = parseUploadId(id);
      await canUpload(context, caller(request), bucket, name);
    },
    onUploadCreate: (_request, upload) => {
      const metadata = { ...upload.metadata };
      // A number of seconds, as storage-js sends it; anything else is not a cache policy.
      metadata.cacheControl = /^-?\d+$/.test(metadata.cacheControl ?? "")
        ? `max-age=${metadata.cacheControl}`
        : "no-cache";
      return Promise.resolve({ metadata });
    },
    onUploadFinish: async (request, upload) => {
      await finish(context, caller(request), join(directory, upload.id), upload);
      return { headers: { "Tus-Complete": "1" } };
    },
    onResponseError: (_request, error) => {
      if (error instanceof StorageError) {
        return { status_code: error.httpStatusCode, body: error.message };
      }
    },
  });
  return {
    /** Answers a request under `/storage/v1/upload/resumable` for a caller already known. */
    handle(request: Request, claims: JwtClaims): Promise<Response> {
      callers.set(request, { claims, upsert: request.headers.get("x-upsert") === "true" });
      return server.handleWeb(request);
    },
  };
}

/** Splits "<bucket>/<name>/<version>"; the name may hold slashes. */
function parseUploadId(id: string) {
  const parts = id.split("/");
  if (parts.length < 3) throw { status_code: 400, body: "Invalid upload id" } satisfies TusError;
  return { bucket: parts[0], name: parts.slice(1, -1).join("/"), version: parts.at(-1)! };
}

/** Records a finished upload as its object, as the caller who finished it. */
async function finish(context: StorageContext, who: Uploader, file: string, upload: TusUpload) {
  const { bucket, name, version } = parseUploadId(upload.id);
  const received = await context.disk.adopt(file);
  let userMetadata: Record<string, unknown> | null = null;
  try {
    userMetadata = upload.metadata?.metadata ? JSON.parse(upload.metadata.metadata) : null;
  } catch {
    // Storage ignores user metadata it cannot parse.
  }
  await recordObject(context, who.claims, {
    bucket,
    name,
    upsert: who.upsert,
    version,
    upload: {
      ...received,
      mimetype: upload.metadata?.contentType ?? "application/octet-stream",
      cacheControl: upload.metadata?.cacheControl ?? "no-cache",
      userMetadata,
    },
  });
}

/** Runs a Storage check, turning its refusal into the plain-text answer TUS sends. */
function tusCheck(check: () => void) {
  try {
    check();
  } catch (error) {
    if (error instanceof StorageError) {
      throw { status_code: error.httpStatusCode, body: error.message } satisfies TusError;
    }
    throw error;
  }
}
