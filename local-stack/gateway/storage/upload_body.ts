// Reads an upload as supabase-js sends it: multipart FormData for Blob/File bodies (fields
// `cacheControl`, `metadata`, then the file), the raw bytes otherwise (headers `content-type`,
// `cache-control`, `x-metadata`). Either way the bytes stream to disk.
import busboy from "busboy";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import type { Disk, ReceivedFile } from "./disk.ts";
import { storageErrors } from "./errors.ts";

/** The received bytes and the metadata the upload declared. */
export interface Upload extends ReceivedFile {
  mimetype: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

/** Receives the body of an upload request into a temporary file on `disk`. */
export async function receiveUpload(request: Request, disk: Disk, maxBytes: number) {
  if (!request.body) throw storageErrors.invalidRequest("No content provided");
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const body = Readable.fromWeb(request.body as NodeWebReadableStream<Uint8Array>);
    return await receiveMultipart(body, contentType, disk, maxBytes);
  }
  const received = await disk.receive(request.body, maxBytes);
  const metadata = request.headers.get("x-metadata");
  return {
    ...received,
    mimetype: contentType || "application/octet-stream",
    cacheControl: request.headers.get("cache-control") ?? "no-cache",
    userMetadata: metadata ? parseMetadata(atob(metadata)) : null,
  };
}

async function receiveMultipart(
  body: Readable,
  contentType: string,
  disk: Disk,
  maxBytes: number,
): Promise<Upload> {
  const fields: Record<string, string> = {};
  let file: Promise<ReceivedFile> | undefined;
  let mimetype = "application/octet-stream";
  const parser = busboy({ headers: { "content-type": contentType }, limits: { files: 1 } });
  parser.on("field", (name, value) => fields[name] = value);
  parser.on("file", (_name, stream, info) => {
    mimetype = info.mimeType;
    file = disk.receive(stream, maxBytes);
    // Awaited below; this keeps a failure from being reported as unhandled meanwhile.
    file.catch(() => {});
  });
  await pipeline(body, parser);
  if (!file) throw storageErrors.invalidRequest("No content provided: the form has no file");
  const received = await file;
  return {
    ...received,
    mimetype: fields.contentType ?? mimetype,
    cacheControl: fields.cacheControl ? `max-age=${fields.cacheControl}` : "no-cache",
    userMetadata: fields.metadata ? parseMetadata(fields.metadata) : null,
  };
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    throw storageErrors.invalidRequest("metadata must be a JSON object");
  }
}
