// The answer to a download, as Storage's renderer and file backend give it: `Range` (206 with
// Content-Range, 416 when unsatisfiable), `If-None-Match` and `If-Modified-Since` (304), and
// always `Accept-Ranges: bytes` and the object's quoted-md5 ETag.
import { storageErrors } from "./errors.ts";
import type { StorageContext } from "./context.ts";

/** What storage.objects records of an object's bytes. */
export interface ObjectMetadata {
  eTag?: string;
  size?: number;
  mimetype?: string;
  cacheControl?: string;
  lastModified?: string;
}

/** How the route serves the object besides its bytes. */
export interface ServeOptions {
  /** Signed URLs send `Expires` (the token's) instead of the object's Cache-Control. */
  expires?: Date;
  /** `download` of the query: a file name, or "" for a bare `attachment;`. */
  download?: string | null;
}

/** A byte range within an object, both ends included. */
export interface ByteRange {
  from: number;
  to: number;
}

/** Answers GET or HEAD for an object whose row `metadata` the caller has already found. */
export async function serveObject(
  request: Request,
  bucket: string,
  name: string,
  metadata: ObjectMetadata,
  context: StorageContext,
  options: ServeOptions = {},
): Promise<Response> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(context.disk.objectPath(bucket, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw storageErrors.noSuchKey();
    throw error;
  }
  try {
    const { size } = await file.stat();
    const lastModified = metadata.lastModified ? new Date(metadata.lastModified) : null;
    const headers = new Headers({
      "accept-ranges": "bytes",
      // Storage never serves HTML as HTML from a project's domain.
      "content-type": metadata.mimetype?.includes("text/html")
        ? "text/plain"
        : metadata.mimetype ?? "application/octet-stream",
    });
    if (metadata.eTag) headers.set("etag", metadata.eTag);
    if (lastModified) headers.set("last-modified", lastModified.toUTCString());
    if (options.expires) headers.set("expires", options.expires.toUTCString());
    else if (metadata.cacheControl) headers.set("cache-control", metadata.cacheControl);
    setDisposition(headers, options.download);

    if (notModified(request.headers, metadata.eTag, lastModified)) {
      file.close();
      headers.set("content-length", "0");
      return new Response(null, { status: 304, headers });
    }
    const rangeHeader = request.headers.get("range");
    const range = rangeHeader ? parseRange(rangeHeader, size) : null;
    const length = range ? range.to - range.from + 1 : size;
    headers.set("content-length", String(length));
    if (range) headers.set("content-range", `bytes ${range.from}-${range.to}/${size}`);
    const status = range ? 206 : 200;
    if (request.method === "HEAD") {
      file.close();
      return new Response(null, { status, headers });
    }
    if (range) await file.seek(range.from, Deno.SeekMode.Start);
    return new Response(range ? limit(file, length) : file.readable, { status, headers });
  } catch (error) {
    try {
      file.close();
    } catch {
      // Already closed by the branch that threw.
    }
    throw error;
  }
}

/** Whether a conditional request's copy is current: its ETag matches, or nothing changed since. */
function notModified(headers: Headers, eTag: string | undefined, lastModified: Date | null) {
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch && eTag && ifNoneMatch === eTag) return true;
  const ifModifiedSince = headers.get("if-modified-since");
  if (!ifModifiedSince || !lastModified) return false;
  const since = new Date(ifModifiedSince);
  // HTTP dates have whole seconds; the stored time has milliseconds.
  return !Number.isNaN(since.getTime()) &&
    Math.floor(lastModified.getTime() / 1000) * 1000 <= since.getTime();
}

/**
 * Parses `bytes=<from>-<to>`, `bytes=<from>-` and `bytes=-<suffix>` as Storage does: one range, the
 * end clamped to the object; a start past the end, an end before the start or another form is 416.
 */
export function parseRange(header: string, size: number): ByteRange {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!match || size <= 0 || (!match[1] && !match[2])) throw storageErrors.invalidRange();
  if (!match[1]) {
    const suffix = Number(match[2]);
    if (!Number.isSafeInteger(suffix) || suffix <= 0) throw storageErrors.invalidRange();
    return { from: Math.max(size - suffix, 0), to: size - 1 };
  }
  const from = Number(match[1]);
  const to = match[2] ? Number(match[2]) : size - 1;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to || from >= size) {
    throw storageErrors.invalidRange();
  }
  return { from, to: Math.min(to, size - 1) };
}

function setDisposition(headers: Headers, download: string | null | undefined) {
  if (download === undefined || download === null) return;
  if (download === "") {
    headers.set("content-disposition", "attachment;");
    return;
  }
  const encoded = encodeURIComponent(download);
  headers.set(
    "content-disposition",
    `attachment; filename=${encoded}; filename*=UTF-8''${encoded}`,
  );
}

/** The next `length` bytes of an open file, which it closes when done or cancelled. */
function limit(file: Deno.FsFile, length: number): ReadableStream<Uint8Array> {
  let left = length;
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const buffer = new Uint8Array(Math.min(left, 64 * 1024));
      const read = await file.read(buffer);
      if (read === null || read === 0) {
        file.close();
        controller.close();
        return;
      }
      left -= read;
      controller.enqueue(buffer.subarray(0, read));
      if (left === 0) {
        file.close();
        controller.close();
      }
    },
    cancel() {
      file.close();
    },
  });
}
