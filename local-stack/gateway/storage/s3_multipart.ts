// Multipart uploads of the S3 protocol: the uploads in progress and their parts, each part a file
// under `<root>/.s3/<upload id>/`, until completion joins them into the object or abort drops them.
// Like Storage's file backend, a part's ETag is its unquoted MD5, and any part may be small.
import { join } from "node:path";
import type { Disk, ReceivedFile } from "./disk.ts";
import { S3Error } from "./s3_xml.ts";

/** One uploaded part. */
export interface Part {
  number: number;
  etag: string;
  size: number;
  lastModified: Date;
}

/** An upload in progress: where it goes, how it is served, its parts so far. */
export interface MultipartUpload {
  id: string;
  bucket: string;
  key: string;
  contentType: string;
  cacheControl: string;
  initiated: Date;
  parts: Map<number, Part>;
}

/** The multipart uploads of one disk. */
export class MultipartUploads {
  readonly #uploads = new Map<string, MultipartUpload>();

  constructor(readonly disk: Disk) {}

  /** Starts an upload; its id is a uuid, as Storage's are. */
  create(bucket: string, key: string, contentType: string, cacheControl: string) {
    const upload: MultipartUpload = {
      id: crypto.randomUUID(),
      bucket,
      key,
      contentType,
      cacheControl,
      initiated: new Date(),
      parts: new Map(),
    };
    this.#uploads.set(upload.id, upload);
    return upload;
  }

  /** The upload with this id for this object, or NoSuchUpload. */
  get(id: string, bucket: string, key?: string): MultipartUpload {
    const upload = this.#uploads.get(id);
    if (!upload || upload.bucket !== bucket || (key !== undefined && upload.key !== key)) {
      throw new S3Error("NoSuchUpload", 404, "Upload not found");
    }
    return upload;
  }

  /** The uploads in progress in a bucket. */
  list(bucket: string): MultipartUpload[] {
    return [...this.#uploads.values()].filter((u) => u.bucket === bucket);
  }

  /** The bytes the upload's parts hold so far, less the part about to be replaced. */
  sizeWithout(upload: MultipartUpload, number: number): number {
    let size = 0;
    for (const part of upload.parts.values()) if (part.number !== number) size += part.size;
    return size;
  }

  /** Keeps a received part, replacing one of the same number. */
  putPart(upload: MultipartUpload, number: number, received: ReceivedFile): Part {
    const path = this.#partPath(upload, number);
    Deno.mkdirSync(join(this.disk.root, ".s3", upload.id), { recursive: true });
    Deno.renameSync(received.path, path);
    const part = { number, etag: received.md5, size: received.size, lastModified: new Date() };
    upload.parts.set(number, part);
    return part;
  }

  /**
   * Joins the named parts, in part-number order, into one received file. A part never uploaded
   * is MissingPart; an ETag that is not the part's is InvalidChecksum.
   */
  async join(upload: MultipartUpload, named: { partNumber: number; etag: string }[]) {
    for (const { partNumber, etag } of named) {
      const part = upload.parts.get(partNumber);
      if (!part) {
        throw new S3Error(
          "MissingPart",
          400,
          `Part ${partNumber} is missing for upload id ${upload.id}`,
        );
      }
      if (part.etag !== etag) {
        throw new S3Error("InvalidChecksum", 400, `Invalid ETag for part ${partNumber}`);
      }
    }
    const numbers = named.map((p) => p.partNumber).sort((a, b) => a - b);
    const paths = numbers.map((n) => this.#partPath(upload, n));
    async function* bytes() {
      for (const path of paths) yield* (await Deno.open(path)).readable;
    }
    return await this.disk.receive(bytes(), Infinity);
  }

  /** Forgets an upload and drops its parts. */
  remove(upload: MultipartUpload): void {
    this.#uploads.delete(upload.id);
    try {
      Deno.removeSync(join(this.disk.root, ".s3", upload.id), { recursive: true });
    } catch {
      // Never got a part: nothing on disk.
    }
  }

  #partPath(upload: MultipartUpload, number: number): string {
    return join(this.disk.root, ".s3", upload.id, `part-${number}`);
  }
}
